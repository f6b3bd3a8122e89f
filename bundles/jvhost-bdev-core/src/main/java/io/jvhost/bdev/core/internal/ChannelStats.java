package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.IoType;
import io.jvhost.bdev.LatencyHistogram;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counters of one core channel, written by its reactor (release stores), summed by readers. */
final class ChannelStats {
    static final int TYPES = IoType.values().length;
    private static final int BYTES = TYPES, ERRORS = 2 * TYPES, SLOTS = 2 * TYPES + 1;
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
}
