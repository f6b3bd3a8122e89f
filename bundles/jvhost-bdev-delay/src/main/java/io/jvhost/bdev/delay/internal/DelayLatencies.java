package io.jvhost.bdev.delay.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A delay bdev's four latencies in microseconds, as SPDK names them. Written by the control plane
 * ({@code bdev_delay_update_latency}), read by the reactors for each completion.
 */
final class DelayLatencies {
    static final String[] TYPES = {"avg_read", "p99_read", "avg_write", "p99_write"};
    private final java.util.concurrent.atomic.AtomicLongArray micros = new java.util.concurrent.atomic.AtomicLongArray(4);

    DelayLatencies(long avgRead, long p99Read, long avgWrite, long p99Write) {
        check("read", avgRead, p99Read);
        check("write", avgWrite, p99Write);
        micros.set(0, avgRead);
        micros.set(1, p99Read);
        micros.set(2, avgWrite);
        micros.set(3, p99Write);
    }

    private static void check(String side, long avg, long p99) {
        if (avg < 0 || p99 < 0) {
            throw new IllegalArgumentException(side + " latencies must not be negative");
        }
        if (p99 < avg) {
            throw new IllegalArgumentException("p99_" + side + "_latency " + p99 + " us is below avg_" + side
                    + "_latency " + avg + " us; a p99 cannot be smaller than the average");
        }
    }

    /** Sets one latency, keeping every p99 at or above its average. */
    synchronized void update(String type, long us) {
        int i = java.util.Arrays.asList(TYPES).indexOf(type);
        if (i < 0) {
            throw new IllegalArgumentException("latency_type '" + type + "' is not one of " + String.join(", ", TYPES));
        }
        long[] next = {micros.get(0), micros.get(1), micros.get(2), micros.get(3)};
        next[i] = us;
        check(i < 2 ? "read" : "write", next[i < 2 ? 0 : 2], next[i < 2 ? 1 : 3]);
        micros.set(i, us);
    }

    /** Nanoseconds of {@code TYPES[i]}. */
    long nanos(int i) {
        return micros.get(i) * 1000;
    }

    /** SPDK's params (and driver_specific fields) for these latencies. */
    Map<String, Object> asParams() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("avg_read_latency", micros.get(0));
        m.put("p99_read_latency", micros.get(1));
        m.put("avg_write_latency", micros.get(2));
        m.put("p99_write_latency", micros.get(3));
        return m;
    }
}
