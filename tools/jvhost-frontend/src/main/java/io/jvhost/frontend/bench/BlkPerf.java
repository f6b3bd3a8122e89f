package io.jvhost.frontend.bench;

import io.jvhost.frontend.VhostUserBlkDisk;
import io.jvhost.frontend.VhostUserScsiHba;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Drives a vhost-user-blk back-end (jvhost, qemu-storage-daemon, SPDK), or LUN 0 of a target of a
 * vhost-user-scsi back-end, as a guest would, from one polling thread with no VM in the way, and
 * reports IOPS, latency and the back-end's CPU.
 * <pre>
 * BlkPerf --socket PATH [--scsi-target T | --nvme [--no-shadow-doorbells]] [--queues N] [--depth D]
 *         [--bs BYTES] [--rw randread|randwrite] [--time SECONDS] [--warmup SECONDS] [--backend-pid PID]
 *         [--backend-thread NAME] [--label NAME] [--packed] [--json] [--marks]
 * </pre>
 * {@code --marks} prints "blkperf: measuring" and "blkperf: measured" on stderr around the measured
 * window, for scripts that read the back-end's own counters over the same window.
 * With {@code --backend-thread}, the CPU of the back-end threads whose name contains NAME (a
 * reactor) is reported apart from the whole process's, as ns of that core per request.
 */
public final class BlkPerf implements PerfDisk.Completion {
    private final PerfDisk disk;
    private final boolean write;
    private final int bs;
    private final long slots;
    private final long[][] submitted;
    private final LatencyHistogram histogram = new LatencyHistogram();
    private long seed = 0x9E3779B97F4A7C15L;
    private int currentQueue;
    private boolean measuring;
    private long completed;
    private long errors;
    private long doorbells;
    private long kicks;
    private long calls;

    private BlkPerf(PerfDisk disk, boolean write, int bs, int depth) {
        this.disk = disk;
        this.write = write;
        this.bs = bs;
        this.slots = disk.blocks(bs);
        this.submitted = new long[disk.queueCount()][depth];
    }

    private long nextBlock() {
        seed ^= seed << 13;
        seed ^= seed >>> 7;
        seed ^= seed << 17;
        return Long.remainderUnsigned(seed, slots);
    }

    private void submit(int qi) {
        stamp(qi, disk.submit(qi, write, nextBlock(), bs), System.nanoTime());
    }

    /** Slots may number more than the depth driven (a disk opened for a deeper load): grow to fit. */
    private void stamp(int qi, int slot, long now) {
        if (slot >= submitted[qi].length) {
            submitted[qi] = java.util.Arrays.copyOf(submitted[qi], Math.max(slot + 1, submitted[qi].length * 2));
        }
        submitted[qi][slot] = now;
    }

    @Override
    public void completed(int slot, boolean ok) {
        long now = System.nanoTime();
        if (!ok) {
            errors++;
        }
        if (measuring) {
            histogram.record(now - submitted[currentQueue][slot]);
            completed++;
        }
        stamp(currentQueue, disk.submit(currentQueue, write, nextBlock(), bs), now);
    }

    /** Runs for {@code nanos} or until {@code completed} reaches {@code until}, whichever comes first. */
    private void run(long nanos, long until) {
        long end = System.nanoTime() + nanos;
        int queues = disk.queueCount();
        while (System.nanoTime() < end && completed < until) {
            for (int i = 0; i < 64; i++) {
                for (int qi = 0; qi < queues; qi++) {
                    currentQueue = qi;
                    if (disk.poll(qi, this) > 0) {
                        disk.publish(qi);
                    }
                }
            }
        }
    }

    private void run(long nanos) {
        run(nanos, Long.MAX_VALUE);
    }

    private void fill(int depth) {
        for (int qi = 0; qi < disk.queueCount(); qi++) {
            for (int d = 0; d < depth; d++) {
                submit(qi);
            }
            disk.publish(qi);
        }
    }

    /** Lets the requests in flight finish (for up to {@code nanos}) so the back-end sees a clean end. */
    private static void drain(PerfDisk disk, long nanos) {
        long drainEnd = System.nanoTime() + nanos;
        while (System.nanoTime() < drainEnd && inFlight(disk) > 0) {
            for (int qi = 0; qi < disk.queueCount(); qi++) {
                disk.poll(qi, (s, ok) -> { });
            }
        }
    }

    /**
     * Keeps {@code depth} random reads (or writes) of {@code bs} bytes in flight on every queue of
     * {@code disk} until {@code requests} have completed, then lets the last ones finish: a load of a
     * known size for tests.
     *
     * @return the number of requests that failed
     * @throws IllegalStateException when the requests did not complete within {@code timeoutNanos}
     */
    public static long drive(PerfDisk disk, boolean write, int bs, int depth, long requests, long timeoutNanos) {
        BlkPerf perf = new BlkPerf(disk, write, bs, depth);
        perf.fill(depth);
        perf.measuring = true;
        long start = System.nanoTime();
        perf.run(timeoutNanos, requests);
        drain(disk, Math.max(0, timeoutNanos - (System.nanoTime() - start)));
        if (perf.completed < requests || inFlight(disk) > 0) {
            throw new IllegalStateException("only " + perf.completed + " of " + requests + " requests completed in "
                    + timeoutNanos / 1_000_000 + " ms (" + inFlight(disk) + " still in flight)");
        }
        return perf.errors;
    }

    public static void main(String[] args) throws Exception {
        String socket = null;
        String label = "backend";
        String rw = "randread";
        int queues = 1, depth = 32, bs = 4096;
        double seconds = 10, warmup = 2;
        long pid = -1;
        String thread = null;
        boolean json = false;
        boolean marks = false;
        boolean packed = false;
        int scsiTarget = -1;
        boolean nvme = false;
        boolean shadow = true;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--socket" -> socket = args[++i];
                case "--queues" -> queues = Integer.parseInt(args[++i]);
                case "--depth" -> depth = Integer.parseInt(args[++i]);
                case "--bs" -> bs = Integer.parseInt(args[++i]);
                case "--rw" -> rw = args[++i];
                case "--time" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--backend-pid" -> pid = Long.parseLong(args[++i]);
                case "--backend-thread" -> thread = args[++i];
                case "--marks" -> marks = true;
                case "--label" -> label = args[++i];
                case "--json" -> json = true;
                case "--packed" -> packed = true;
                case "--scsi-target" -> scsiTarget = Integer.parseInt(args[++i]);
                case "--nvme" -> nvme = true;
                case "--no-shadow-doorbells" -> shadow = false;
                default -> {
                    System.err.println("blkperf: unknown option " + a + "\nusage: blkperf --socket PATH [--scsi-target T | --nvme "
                            + "[--no-shadow-doorbells]] [--queues N] "
                            + "[--depth D] [--bs BYTES] [--rw randread|randwrite] [--time S] [--warmup S] "
                            + "[--backend-pid PID [--backend-thread NAME]] [--label NAME] [--packed] [--json] [--marks]\n"
                            + "(./jvhost blkperf also takes --plot FILE.png: JSON lines in FILE.jsonl, their plot in FILE.png)");
                    System.exit(2);
                }
            }
        }
        if (socket == null || bs % 512 != 0 || depth < 1 || queues < 1) {
            System.err.println("blkperf: --socket is required; --bs must be a multiple of 512; depth and queues >= 1");
            System.exit(2);
        }
        if (!rw.equals("randread") && !rw.equals("randwrite")) {
            System.err.println("blkperf: --rw must be randread or randwrite");
            System.exit(2);
        }
        int queueSize = Integer.highestOneBit(Math.max(8, depth * 3 - 1)) * 2;
        PerfDisk target;
        if (nvme) {
            target = PerfDisk.nvme(new io.jvhost.frontend.VhostUserNvme(Path.of(socket)), queues, depth, bs, shadow);
        } else if (scsiTarget >= 0) {
            target = PerfDisk.scsi(VhostUserScsiHba.connect(Path.of(socket), queues, queueSize, depth, bs, true),
                    scsiTarget);
        } else {
            target = PerfDisk.blk(VhostUserBlkDisk.connect(Path.of(socket),
                    new VhostUserBlkDisk.Options(queues, queueSize, depth, bs, true, packed)));
        }
        try (PerfDisk disk = target) {
            BlkPerf perf = new BlkPerf(disk, rw.equals("randwrite"), bs, depth);
            perf.fill(depth);
            perf.run((long) (warmup * 1e9));
            double cpu0 = pid > 0 ? ProcessCpu.seconds(pid) : 0;
            double threadCpu0 = pid > 0 && thread != null ? ProcessCpu.threadSeconds(pid, thread) : Double.NaN;
            long doorbells0 = disk.trappedDoorbells();
            long kicks0 = disk.kicks();
            long calls0 = disk.calls();
            if (marks) {
                // a script that reads the back-end's own counters takes them at these lines
                System.err.println("blkperf: measuring");
                System.err.flush();
            }
            long t0 = System.nanoTime();
            perf.measuring = true;
            perf.run((long) (seconds * 1e9));
            perf.measuring = false;
            double wall = (System.nanoTime() - t0) / 1e9;
            if (marks) {
                System.err.println("blkperf: measured");
                System.err.flush();
            }
            double cpu = pid > 0 ? (ProcessCpu.seconds(pid) - cpu0) / wall : Double.NaN;
            double threadCpu = pid > 0 && thread != null
                    ? (ProcessCpu.threadSeconds(pid, thread) - threadCpu0) / wall : Double.NaN;
            perf.doorbells = disk.trappedDoorbells() - doorbells0;
            perf.kicks = disk.kicks() - kicks0;
            perf.calls = disk.calls() - calls0;
            drain(disk, 2_000_000_000L);
            if (thread != null && pid > 0 && Double.isNaN(threadCpu)) {
                System.err.println("blkperf: no thread of process " + pid + " has \"" + thread + "\" in its name");
            }
            report(perf, label, rw, queues, depth, bs, wall, cpu, threadCpu, json);
            if (perf.errors > 0) {
                System.err.println("blkperf: " + perf.errors + " requests failed");
                System.exit(1);
            }
        }
    }

    private static int inFlight(PerfDisk disk) {
        int n = 0;
        for (int qi = 0; qi < disk.queueCount(); qi++) {
            n += disk.inFlight(qi);
        }
        return n;
    }

    private static void report(BlkPerf p, String label, String rw, int queues, int depth, int bs, double wall, double cpu,
            double threadCpu, boolean json) {
        double iops = p.completed / wall;
        double perCore = cpu > 0 ? iops / cpu : Double.NaN;
        double perThreadCore = threadCpu > 0 ? iops / threadCpu : Double.NaN;
        double nsPerIo = threadCpu > 0 ? threadCpu * 1e9 / iops : Double.NaN;
        long n = Math.max(1, p.completed);
        if (json) {
            System.out.println(String.format(Locale.ROOT, "{\"bench\":\"blkperf\",\"backend\":\"%s\",\"rw\":\"%s\","
                    + "\"queues\":%d,\"depth\":%d,\"bs\":%d,\"iops\":%.0f,\"mean_us\":%.2f,\"p50_us\":%.2f,"
                    + "\"p99_us\":%.2f,\"p999_us\":%.2f,\"backend_cpu_cores\":%s,\"iops_per_backend_core\":%s,"
                    + "\"thread_cpu_cores\":%s,\"iops_per_thread_core\":%s,\"thread_ns_per_io\":%s,"
                    + "\"kicks_per_io\":%.4f,\"calls_per_io\":%.4f,\"trapped_doorbells_per_io\":%.4f}", label, rw,
                    queues, depth, bs, iops, p.histogram.meanMicros(), p.histogram.percentileMicros(0.5),
                    p.histogram.percentileMicros(0.99), p.histogram.percentileMicros(0.999), jsonNumber(cpu, "%.3f"),
                    jsonNumber(perCore, "%.0f"), jsonNumber(threadCpu, "%.3f"), jsonNumber(perThreadCore, "%.0f"),
                    jsonNumber(nsPerIo, "%.1f"), (double) p.kicks / n, (double) p.calls / n,
                    (double) p.doorbells / n));
        } else {
            System.out.println(String.format(Locale.ROOT, "%-10s %-9s q=%d qd=%-3d bs=%-6d %10.0f IOPS  mean %7.2f us  "
                    + "p99 %7.2f us  p99.9 %7.2f us  %s%s  %.4f kicks/IO  %.4f calls/IO", label, rw, queues,
                    depth, bs, iops, p.histogram.meanMicros(), p.histogram.percentileMicros(0.99),
                    p.histogram.percentileMicros(0.999),
                    Double.isNaN(perCore) ? "back-end CPU not measured (--backend-pid)"
                            : String.format(Locale.ROOT, "back-end %.2f cores  %10.0f IOPS/core", cpu, perCore),
                    Double.isNaN(nsPerIo) ? "" : String.format(Locale.ROOT, "  thread %.2f cores  %.0f ns/IO",
                            threadCpu, nsPerIo),
                    (double) p.kicks / n, (double) p.calls / n));
        }
    }

    /** JSON has no NaN: a figure that was not measured (no --backend-pid) is null. */
    private static String jsonNumber(double v, String format) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, format, v);
    }
}
