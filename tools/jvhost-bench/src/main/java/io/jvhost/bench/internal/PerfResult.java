package io.jvhost.bench.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/** What one bdevperf job measured. */
record PerfResult(String bdev, int core, long ios, long errors, long mismatches, long elapsedNanos, long ioSize,
        long meanNanos, long p50Nanos, long p99Nanos) {
    double iops() {
        return ios * 1e9 / elapsedNanos;
    }

    double mibPerSecond() {
        return iops() * ioSize / 1048576.0;
    }

    Map<String, Object> toJson(String workload, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bdev", bdev);
        m.put("core", core);
        m.put("workload", workload);
        m.put("queue_depth", depth);
        m.put("io_size", ioSize);
        m.put("iops", Math.round(iops()));
        m.put("mib_per_s", Math.round(mibPerSecond() * 10) / 10.0);
        m.put("mean_latency_us", meanNanos / 1000.0);
        m.put("p50_latency_us", p50Nanos / 1000.0);
        m.put("p99_latency_us", p99Nanos / 1000.0);
        m.put("ios", ios);
        m.put("errors", errors);
        m.put("miscompares", mismatches);
        return m;
    }
}
