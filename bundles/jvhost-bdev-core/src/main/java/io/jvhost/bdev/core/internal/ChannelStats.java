package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.IoLatency;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.LatencyHistogram;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counters of one core channel, written by its reactor (release stores), summed by readers. */
final class ChannelStats {
    static final int TYPES = IoType.values().length;
    private static final int BYTES = TYPES, ERRORS = 2 * TYPES;
    /** Per type: timed requests, their summed, shortest and longest latency. */
    private static final int LAT_COUNT = ERRORS + 1, LAT_SUM = LAT_COUNT + TYPES, LAT_MIN = LAT_SUM + TYPES,
            LAT_MAX = LAT_MIN + TYPES, SLOTS = LAT_MAX + TYPES;
    /** Padded at both ends: each reactor's counters sit on cache lines of their own. */
    private static final int PAD = 8;
    private final AtomicLongArray counters = new AtomicLongArray(SLOTS + 2 * PAD);
    final LatencyHistogram latency = new LatencyHistogram();

    void completed(IoType type, long bytes, boolean failed) {
        int t = type.ordinal();
        add(t, 1);
        if (bytes != 0) {
            add(BYTES + t, bytes);
        }
        if (failed) {
            add(ERRORS, 1);
        }
    }

    /** Records the latency of a timed request; reactor thread only. */
    void timed(IoType type, long nanos) {
        latency.record(nanos);
        int t = type.ordinal();
        long before = get(LAT_COUNT + t);
        set(LAT_SUM + t, get(LAT_SUM + t) + nanos);
        if (before == 0 || nanos < get(LAT_MIN + t)) {
            set(LAT_MIN + t, nanos);
        }
        if (nanos > get(LAT_MAX + t)) {
            set(LAT_MAX + t, nanos);
        }
        // the count goes last: a reader that sees it also sees that request's sum, min and max
        set(LAT_COUNT + t, before + 1);
    }

    private long get(int slot) {
        return counters.get(PAD + slot);
    }

    private void set(int slot, long value) {
        counters.lazySet(PAD + slot, value);
    }

    private void add(int slot, long delta) {
        int i = PAD + slot;
        counters.lazySet(i, counters.get(i) + delta);
    }

    long ops(IoType t) {
        return counters.get(PAD + t.ordinal());
    }

    long bytes(IoType t) {
        return counters.get(PAD + BYTES + t.ordinal());
    }

    long errors() {
        return counters.get(PAD + ERRORS);
    }

    IoLatency latency(IoType t) {
        int i = t.ordinal();
        long count = get(LAT_COUNT + i);
        long sum = get(LAT_SUM + i), min = get(LAT_MIN + i), max = get(LAT_MAX + i);
        return count == 0 ? IoLatency.NONE : new IoLatency(count, sum, min, max);
    }
}
