package io.jvhost.bdev;

/**
 * Latency of the sampled requests of one I/O type (the bdev layer times one request in 16).
 *
 * @param sampled requests timed
 * @param sumNanos their latencies added up
 * @param minNanos the shortest, 0 when none was timed
 * @param maxNanos the longest, 0 when none was timed
 */
public record IoLatency(long sampled, long sumNanos, long minNanos, long maxNanos) {
    /** No request timed. */
    public static final IoLatency NONE = new IoLatency(0, 0, 0, 0);

    /** The mean of the timed requests, 0 when none was timed. */
    public long meanNanos() {
        return sampled == 0 ? 0 : sumNanos / sampled;
    }

    /**
     * The total latency of {@code ops} requests, estimated from the sampled mean: what SPDK reports as
     * {@code read_latency_ticks} and the like, where every request is timed.
     */
    public long estimatedTotalNanos(long ops) {
        return sampled == 0 ? 0 : Math.round((double) sumNanos * ops / sampled);
    }
}
