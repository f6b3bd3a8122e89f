package io.jvhost.reactor.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded lock-free queue for many producers and one consumer (Vyukov's sequenced array). Offer and
 * poll allocate nothing. The publishing store is volatile so that a producer's later read of the
 * consumer's "sleeping" flag cannot be reordered before it (the wake-up handshake relies on that).
 */
final class ManyToOneQueue<E> extends ManyToOneQueueIndices.Padded {
    private static final VarHandle TAIL;

    static {
        try {
            TAIL = MethodHandles.lookup().findVarHandle(ManyToOneQueueIndices.Tail.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] items;
    private final AtomicLongArray sequence;
    private final int mask;

    ManyToOneQueue(int capacity) {
        if (Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        items = new Object[capacity];
        sequence = new AtomicLongArray(capacity);
        mask = capacity - 1;
        for (int i = 0; i < capacity; i++) {
            sequence.set(i, i);
        }
    }

    /** Adds {@code item}; returns false when the queue is full. Any thread. */
    boolean offer(E item) {
        while (true) {
            long pos = (long) TAIL.getVolatile(this);
            int idx = (int) pos & mask;
            long diff = sequence.getAcquire(idx) - pos;
            if (diff == 0) {
                if (TAIL.compareAndSet(this, pos, pos + 1)) {
                    items[idx] = item;
                    sequence.set(idx, pos + 1);
                    return true;
                }
            } else if (diff < 0) {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    /** Takes the oldest item or returns null. Consumer thread only. */
    @SuppressWarnings("unchecked")
    E poll() {
        int idx = (int) head & mask;
        if (sequence.getAcquire(idx) != head + 1) {
            return null;
        }
        E item = (E) items[idx];
        items[idx] = null;
        sequence.setRelease(idx, head + mask + 1);
        head++;
        return item;
    }

    /** True when no item is ready for the consumer. Consumer thread only; a volatile read. */
    boolean isEmpty() {
        return sequence.get((int) head & mask) != head + 1;
    }
}
