package io.jvhost.bdev;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A log-linear histogram of nanosecond latencies: 8 sub-buckets per power of two, so any value is
 * reported within 12.5%. One writer (the reactor that completes the I/O) with release stores; readers
 * on any thread sum histograms with {@link #addTo} and read percentiles from the sums.
 */
public final class LatencyHistogram {
    /** Number of buckets; arrays passed to {@link #addTo} and {@link #percentile} have this length. */
    public static final int BUCKETS = 16 + 8 * 44;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private long sum;
    private long count;

    /** The bucket that counts {@code nanos}. */
    public static int bucket(long nanos) {
        if (nanos < 16) {
            return (int) Math.max(0, nanos);
        }
        int msb = 63 - Long.numberOfLeadingZeros(nanos);
        int idx = 16 + (msb - 4) * 8 + (int) ((nanos >>> (msb - 3)) & 7);
        return Math.min(idx, BUCKETS - 1);
    }

    /** The upper bound of a bucket's range. */
    public static long upperBound(int bucket) {
        if (bucket < 16) {
            return bucket;
        }
        int msb = (bucket - 16) / 8 + 4;
        int sub = (bucket - 16) % 8;
        return ((8L + sub + 1) << (msb - 3)) - 1;
    }

    /** Records one value; writer thread only. */
    public void record(long nanos) {
        int b = bucket(nanos);
        counts.lazySet(b, counts.get(b) + 1);
        sum += nanos;
        count++;
    }

    /** Adds this histogram's counts into {@code into} (length {@link #BUCKETS}); returns {sum, count}. */
    public long[] addTo(long[] into) {
        for (int i = 0; i < BUCKETS; i++) {
            into[i] += counts.get(i);
        }
        return new long[] {sum, count};
    }

    /** The value below which {@code fraction} of the counted values lie. */
    public static long percentile(long[] buckets, double fraction) {
        long total = 0;
        for (long c : buckets) {
            total += c;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            seen += buckets[i];
            if (seen >= rank) {
                return upperBound(i);
            }
        }
        return upperBound(buckets.length - 1);
    }
}
