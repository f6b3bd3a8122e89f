package io.jvhost.bench.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.OpenMode;
import io.jvhost.config.Json;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code bdev:perf}, SPDK's bdevperf inside the runtime: one job per bdev, spread over the reactors. */
@Component(service = BdevPerfCommand.class, property = {"osgi.command.scope=bdev", "osgi.command.function=perf"})
public final class BdevPerfCommand {
    @Reference
    private BdevRegistry registry;

    @Reference
    private ReactorGroup reactors;

    @Reference
    private io.jvhost.memory.MemoryRegistry memory;

    @Descriptor("Run I/O against every bdev (or one with -b) and print IOPS, MiB/s and latency; "
            + "verify writes, reads back and compares, and fails on any miscompare")
    public String perf(
            @Descriptor("queue depth per bdev") @Parameter(names = {"-q"}, absentValue = "32") int depth,
            @Descriptor("I/O size in bytes") @Parameter(names = {"-o"}, absentValue = "4096") int ioSize,
            @Descriptor("read, write, randread, randwrite, rw, randrw or verify")
            @Parameter(names = {"-w"}, absentValue = "randread") String workload,
            @Descriptor("seconds to run") @Parameter(names = {"-t"}, absentValue = "5") int seconds,
            @Descriptor("read percentage for rw/randrw") @Parameter(names = {"-M"}, absentValue = "50") int readPercent,
            @Descriptor("only this bdev") @Parameter(names = {"-b"}, absentValue = "") String only,
            @Descriptor("print one JSON line per bdev before the table")
            @Parameter(names = {"--json"}, absentValue = "false", presentValue = "true") boolean json,
            @Descriptor("do not register the buffers with the memory registry (DMA modules then copy through their own buffers)")
            @Parameter(names = {"--unregistered"}, absentValue = "false", presentValue = "true") boolean unregistered)
            throws Exception {
        PerfJob.Workload w;
        try {
            w = PerfJob.Workload.valueOf(workload.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown workload '" + workload
                    + "': use read, write, randread, randwrite, rw, randrw or verify");
        }
        if (depth < 1 || depth > 4096 || seconds < 1 || ioSize < 512 || readPercent < 0 || readPercent > 100) {
            throw new IllegalArgumentException("bdevperf: need 1 <= -q <= 4096, -t >= 1, -o >= 512, 0 <= -M <= 100");
        }
        List<Bdev> bdevs = only.isEmpty() ? registry.list()
                : List.of(registry.find(only).orElseThrow(() -> new IllegalArgumentException("bdev " + only + " does not exist")));
        if (bdevs.isEmpty()) {
            throw new IllegalArgumentException("bdevperf: no bdevs; create some with --config or bdev:create-*");
        }
        boolean writes = w != PerfJob.Workload.READ && w != PerfJob.Workload.RANDREAD;
        List<PerfJob> jobs = new ArrayList<>();
        List<Reactor> rs = reactors.reactors();
        try {
            for (int i = 0; i < bdevs.size(); i++) {
                Bdev b = bdevs.get(i);
                if (ioSize % b.blockSize() != 0) {
                    throw new IllegalArgumentException("bdevperf: I/O size " + ioSize + " is not a multiple of bdev "
                            + b.name() + "'s block size " + b.blockSize());
                }
                long regions = b.blockCount() / (ioSize / b.blockSize());
                if (regions < (w == PerfJob.Workload.VERIFY ? depth : 1)) {
                    throw new IllegalArgumentException("bdevperf: bdev " + b.name() + " is too small for "
                            + (w == PerfJob.Workload.VERIFY ? "queue depth " + depth + " of " : "") + ioSize + "-byte I/O");
                }
                BdevDescriptor d = registry.open(b.name(), writes ? OpenMode.WRITE_SHARED : OpenMode.READ_ONLY,
                        "bdevperf", new BdevEventListener() {
                            @Override
                            public void removed(Bdev bdev) {
                                // the job sees REMOVED completions and counts them as errors
                            }
                        });
                jobs.add(new PerfJob(b, d, rs.get(i % rs.size()), w, readPercent, ioSize, depth,
                        TimeUnit.SECONDS.toNanos(seconds), unregistered ? null : memory));
            }
        } catch (RuntimeException e) {
            jobs.forEach(PerfJob::abandon);
            throw e;
        }
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        for (PerfJob j : jobs) {
            rs.get(jobs.indexOf(j) % rs.size()).execute(j::start);
        }
        List<PerfResult> results = new ArrayList<>();
        for (PerfJob j : jobs) {
            results.add(j.result.get(seconds + 60L, TimeUnit.SECONDS));
        }
        double cpuCores = (double) (os.getProcessCpuTime() - cpuStart) / (System.nanoTime() - wallStart);
        String report = report(results, workload, depth, json, cpuCores);
        long bad = results.stream().mapToLong(r -> r.errors() + r.mismatches()).sum();
        if (bad > 0) {
            throw new IllegalStateException("bdevperf found " + bad + " failed or miscompared I/Os\n" + report);
        }
        return report;
    }

    private static String report(List<PerfResult> results, String workload, int depth, boolean json,
            double cpuCores) {
        StringBuilder sb = new StringBuilder();
        double totalIops = results.stream().mapToDouble(PerfResult::iops).sum();
        if (json) {
            results.forEach(r -> sb.append(Json.write(r.toJson(workload, depth))).append('\n'));
            java.util.Map<String, Object> summary = new java.util.LinkedHashMap<>();
            summary.put("summary", "bdevperf");
            summary.put("total_iops", Math.round(totalIops));
            summary.put("process_cpu_cores", Math.round(cpuCores * 1000) / 1000.0);
            summary.put("iops_per_core", Math.round(totalIops / Math.max(cpuCores, 1e-9)));
            sb.append(Json.write(summary)).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%-16s %4s %-9s %4s %7s %12s %10s %10s %10s %10s %8s%n", "bdev", "core",
                "workload", "qd", "io size", "IOPS", "MiB/s", "mean us", "p50 us", "p99 us", "errors"));
        double total = 0;
        for (PerfResult r : results) {
            total += r.iops();
            sb.append(String.format(Locale.ROOT, "%-16s %4d %-9s %4d %7d %12.0f %10.1f %10.1f %10.1f %10.1f %8d%n",
                    r.bdev(), r.core(), workload, depth, r.ioSize(), r.iops(), r.mibPerSecond(), r.meanNanos() / 1000.0,
                    r.p50Nanos() / 1000.0, r.p99Nanos() / 1000.0, r.errors() + r.mismatches()));
        }
        sb.append(String.format(Locale.ROOT, "%-16s %4s %-9s %4s %7s %12.0f   process CPU %.2f cores, %.0f IOPS per core%n",
                "total", "", "", "", "", total, cpuCores, total / Math.max(cpuCores, 1e-9)));
        return sb.toString();
    }
}
