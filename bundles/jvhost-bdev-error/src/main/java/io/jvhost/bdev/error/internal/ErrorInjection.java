package io.jvhost.bdev.error.internal;

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
    private volatile long corruptOffset;
    private volatile int corruptValue;

    /** Injects {@code k} into the next {@code num} requests of {@code type}. */
    void set(IoType type, Kind k, int num, long offset, int value) {
        corruptOffset = offset;
        corruptValue = value;
        remaining.set(type.ordinal(), 0);
        kind.set(type.ordinal(), k.ordinal());
        remaining.set(type.ordinal(), k == Kind.NONE ? 0 : num);
    }

    /** The error for one request of {@code type}, taking one from the count; NONE when none is left. */
    Kind take(IoType type) {
        int t = type.ordinal();
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

    long corruptOffset() {
        return corruptOffset;
    }

    int corruptValue() {
        return corruptValue;
    }
}
