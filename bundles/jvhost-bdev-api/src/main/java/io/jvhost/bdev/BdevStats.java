package io.jvhost.bdev;

import java.util.Map;

/**
 * Statistics of one bdev.
 *
 * @param ops completed operations per type
 * @param bytes bytes transferred per type (reads and writes)
 * @param errors failed operations
 * @param queueDepth requests in flight now
 * @param latencyP50Nanos median latency of sampled requests
 * @param latencyP99Nanos 99th percentile
 * @param latencyP999Nanos 99.9th percentile
 * @param latencyMeanNanos mean of sampled requests
 * @param latency sampled latency per type
 * @param latencyBuckets counts of sampled requests per {@link LatencyHistogram} bucket (all types)
 */
public record BdevStats(Map<IoType, Long> ops, Map<IoType, Long> bytes, long errors, long queueDepth,
        long latencyP50Nanos, long latencyP99Nanos, long latencyP999Nanos, long latencyMeanNanos,
        Map<IoType, IoLatency> latency, long[] latencyBuckets) {
    public long ops(IoType t) {
        return ops.getOrDefault(t, 0L);
    }

    public long bytes(IoType t) {
        return bytes.getOrDefault(t, 0L);
    }

    public IoLatency latency(IoType t) {
        return latency.getOrDefault(t, IoLatency.NONE);
    }
}
