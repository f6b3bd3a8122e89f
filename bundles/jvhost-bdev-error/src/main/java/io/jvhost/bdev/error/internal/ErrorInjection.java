package io.jvhost.bdev.error.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What an error bdev injects, per I/O type: a kind and how many more requests get it. Set from the
 * control plane, read by the reactors; a reactor takes one of the remaining count with a CAS, so
 * {@code num} requests get the error however many reactors serve the bdev.
 */
final class ErrorInjection {
    /** SPDK's error types. */
    enum Kind {
        NONE, FAILURE, PENDING, CORRUPT_DATA, NOMEM;

        static Kind parse(String spdkName) {
            return switch (spdkName) {
                case "failure" -> FAILURE;
                case "pending" -> PENDING;
                case "corrupt_data" -> CORRUPT_DATA;
                case "nomem" -> NOMEM;
                default -> throw new IllegalArgumentException("error_type '" + spdkName
                        + "' is not one of failure, pending, corrupt_data, nomem");
            };
        }
    }

    private static final Kind[] KINDS = Kind.values();
    private final AtomicIntegerArray kind = new AtomicIntegerArray(IoType.values().length);
    private final AtomicIntegerArray remaining = new AtomicIntegerArray(IoType.values().length);
    /** Per type: the requests a channel must have at the base before the error strikes (SPDK's queue_depth). */
    private final AtomicIntegerArray queueDepth = new AtomicIntegerArray(IoType.values().length);
    /** Per type: the status a failure completes with, {@link BdevIo#FAILED} or an NVMe status. */
    private final AtomicIntegerArray failStatus = new AtomicIntegerArray(IoType.values().length);
    private volatile long corruptOffset;
    private volatile int corruptValue;

    ErrorInjection() {
        for (int t = 0; t < failStatus.length(); t++) {
            failStatus.set(t, BdevIo.FAILED);
        }
    }

    /**
     * Injects {@code k} into the next {@code num} requests of {@code type} that find at least
     * {@code depth} requests of their channel at the base; a failure completes with {@code status}.
     */
    void set(IoType type, Kind k, int num, long offset, int value, int depth, int status) {
        corruptOffset = offset;
        corruptValue = value;
        int t = type.ordinal();
        remaining.set(t, 0); // first: no reactor takes the new kind with the old count
        kind.set(t, k.ordinal());
        queueDepth.set(t, depth);
        failStatus.set(t, status);
        remaining.set(t, k == Kind.NONE ? 0 : num);
    }

    /**
     * The error for one request of {@code type} on a channel with {@code atBase} requests at the base,
     * taking one from the count; NONE when none is left or the channel is not that busy.
     */
    Kind take(IoType type, int atBase) {
        int t = type.ordinal();
        if (atBase < queueDepth.get(t)) {
            return Kind.NONE;
        }
        int left;
        do {
            left = remaining.get(t);
            if (left <= 0) {
                return Kind.NONE;
            }
        } while (!remaining.compareAndSet(t, left, left - 1));
        return KINDS[kind.get(t)];
    }

    int remaining(IoType type) {
        return remaining.get(type.ordinal());
    }

    Kind kind(IoType type) {
        return KINDS[kind.get(type.ordinal())];
    }

    /** What a FAILURE of {@code type} completes with. */
    int failStatus(IoType type) {
        return failStatus.get(type.ordinal());
    }

    long corruptOffset() {
        return corruptOffset;
    }

    int corruptValue() {
        return corruptValue;
    }
}
