package io.jvhost.frontend.bench;

/** Request latencies in 50 ns buckets up to 20 ms (beyond lands in the last); no allocation per record. */
final class LatencyHistogram {
    private static final int BUCKET_NANOS = 50;
    private final long[] counts = new long[400_000];
    private long total;
    private long sumNanos;

    void record(long nanos) {
        int b = (int) Math.min(counts.length - 1, Math.max(0, nanos / BUCKET_NANOS));
        counts[b]++;
        total++;
        sumNanos += nanos;
    }

    long count() {
        return total;
    }

    double meanMicros() {
        return total == 0 ? 0 : sumNanos / 1000.0 / total;
    }

    /** The latency at quantile {@code q} (0..1), in microseconds. */
    double percentileMicros(double q) {
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank && seen > 0) {
                return (i + 1) * BUCKET_NANOS / 1000.0;
            }
        }
        return 0;
    }
}
