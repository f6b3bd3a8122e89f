package io.jvhost.frontend.bench;

import io.jvhost.frontend.BlkQueue;
import io.jvhost.frontend.BlkRequests;
import io.jvhost.frontend.VhostUserBlkDisk;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Drives a vhost-user-blk back-end (jvhost, qemu-storage-daemon, SPDK) as a guest would, from one
 * polling thread with no VM in the way, and reports IOPS, latency and the back-end's CPU.
 * <pre>
 * BlkPerf --socket PATH [--queues N] [--depth D] [--bs BYTES] [--rw randread|randwrite]
 *         [--time SECONDS] [--warmup SECONDS] [--backend-pid PID] [--label NAME] [--packed] [--json]
 * </pre>
 */
public final class BlkPerf implements BlkQueue.Completion {
    private final VhostUserBlkDisk disk;
    private final int type;
    private final int bs;
    private final long slots;
    private final long[][] submitted;
    private final LatencyHistogram histogram = new LatencyHistogram();
    private long seed = 0x9E3779B97F4A7C15L;
    private int currentQueue;
    private boolean measuring;
    private long completed;
    private long errors;

    private BlkPerf(VhostUserBlkDisk disk, int type, int bs) {
        this.disk = disk;
        this.type = type;
        this.bs = bs;
        this.slots = disk.capacitySectors() * 512 / bs;
        this.submitted = new long[disk.queueCount()][disk.queue(0).slots()];
    }

    private long nextSector() {
        seed ^= seed << 13;
        seed ^= seed >>> 7;
        seed ^= seed << 17;
        return Long.remainderUnsigned(seed, slots) * (bs / 512);
    }

    private void submit(BlkQueue q, int qi) {
        int slot = q.submit(type, nextSector(), bs);
        submitted[qi][slot] = System.nanoTime();
    }

    @Override
    public void completed(int slot, int status, int usedLength) {
        long now = System.nanoTime();
        if (status != BlkRequests.S_OK) {
            errors++;
        }
        if (measuring) {
            histogram.record(now - submitted[currentQueue][slot]);
            completed++;
        }
        BlkQueue q = disk.queue(currentQueue);
        int s = q.submit(type, nextSector(), bs);
        submitted[currentQueue][s] = now;
    }

    /** Runs for {@code nanos}; returns completed requests (counted only while measuring). */
    private void run(long nanos) {
        long end = System.nanoTime() + nanos;
        int queues = disk.queueCount();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++) {
                for (int qi = 0; qi < queues; qi++) {
                    currentQueue = qi;
                    BlkQueue q = disk.queue(qi);
                    if (q.poll(this) > 0) {
                        q.publish();
                    }
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        String socket = null;
        String label = "backend";
        String rw = "randread";
        int queues = 1, depth = 32, bs = 4096;
        double seconds = 10, warmup = 2;
        long pid = -1;
        boolean json = false;
        boolean packed = false;
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
                case "--label" -> label = args[++i];
                case "--json" -> json = true;
                case "--packed" -> packed = true;
                default -> {
                    System.err.println("blkperf: unknown option " + a + "\nusage: blkperf --socket PATH [--queues N] "
                            + "[--depth D] [--bs BYTES] [--rw randread|randwrite] [--time S] [--warmup S] "
                            + "[--backend-pid PID] [--label NAME] [--packed] [--json]");
                    System.exit(2);
                }
            }
        }
        if (socket == null || bs % 512 != 0 || depth < 1 || queues < 1) {
            System.err.println("blkperf: --socket is required; --bs must be a multiple of 512; depth and queues >= 1");
            System.exit(2);
        }
        int type = switch (rw) {
            case "randread" -> BlkRequests.T_IN;
            case "randwrite" -> BlkRequests.T_OUT;
            default -> {
                System.err.println("blkperf: --rw must be randread or randwrite");
                System.exit(2);
                yield -1;
            }
        };
        int queueSize = Integer.highestOneBit(Math.max(8, depth * 3 - 1)) * 2;
        VhostUserBlkDisk.Options o = new VhostUserBlkDisk.Options(queues, queueSize, depth, bs, true, packed);
        try (VhostUserBlkDisk disk = VhostUserBlkDisk.connect(Path.of(socket), o)) {
            BlkPerf perf = new BlkPerf(disk, type, bs);
            for (int qi = 0; qi < queues; qi++) {
                BlkQueue q = disk.queue(qi);
                for (int d = 0; d < depth; d++) {
                    perf.submit(q, qi);
                }
                q.publish();
            }
            perf.run((long) (warmup * 1e9));
            double cpu0 = pid > 0 ? ProcessCpu.seconds(pid) : 0;
            long t0 = System.nanoTime();
            perf.measuring = true;
            perf.run((long) (seconds * 1e9));
            perf.measuring = false;
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = pid > 0 ? (ProcessCpu.seconds(pid) - cpu0) / wall : Double.NaN;
            // let the last requests finish so the back-end sees a clean disconnect
            long drainEnd = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < drainEnd && inFlight(disk) > 0) {
                for (int qi = 0; qi < queues; qi++) {
                    disk.queue(qi).poll((s, st, l) -> { });
                }
            }
            report(perf, label, rw, queues, depth, bs, wall, cpu, json);
            if (perf.errors > 0) {
                System.err.println("blkperf: " + perf.errors + " requests failed");
                System.exit(1);
            }
        }
    }

    private static int inFlight(VhostUserBlkDisk disk) {
        int n = 0;
        for (int qi = 0; qi < disk.queueCount(); qi++) {
            n += disk.queue(qi).inFlight();
        }
        return n;
    }

    private static void report(BlkPerf p, String label, String rw, int queues, int depth, int bs, double wall, double cpu,
            boolean json) {
        double iops = p.completed / wall;
        double perCore = Double.isNaN(cpu) || cpu <= 0 ? Double.NaN : iops / cpu;
        if (json) {
            System.out.println(String.format(Locale.ROOT, "{\"bench\":\"blkperf\",\"backend\":\"%s\",\"rw\":\"%s\","
                    + "\"queues\":%d,\"depth\":%d,\"bs\":%d,\"iops\":%.0f,\"mean_us\":%.2f,\"p50_us\":%.2f,"
                    + "\"p99_us\":%.2f,\"backend_cpu_cores\":%.3f,\"iops_per_backend_core\":%.0f}", label, rw, queues,
                    depth, bs, iops, p.histogram.meanMicros(), p.histogram.percentileMicros(0.5),
                    p.histogram.percentileMicros(0.99), cpu, perCore));
        } else {
            System.out.println(String.format(Locale.ROOT, "%-10s %-9s q=%d qd=%-3d bs=%-6d %10.0f IOPS  mean %7.2f us  "
                    + "p99 %7.2f us  back-end %.2f cores  %10.0f IOPS/core", label, rw, queues, depth, bs, iops,
                    p.histogram.meanMicros(), p.histogram.percentileMicros(0.99), cpu, perCore));
        }
    }
}
