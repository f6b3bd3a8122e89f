package io.jvhost.bdev.delay.internal;

import io.jvhost.bdev.BdevIo;

/**
 * Requests waiting out one latency class, in the order they must complete: each entered with the same
 * latency, so due times only grow along the line (after a latency update, a shorter one waits behind the
 * longer ones before it, as in SPDK). A fixed ring; no allocation.
 */
final class DelayLine {
    private final BdevIo[] ios;
    private final long[] due;
    private int head;
    private int size;

    DelayLine(int capacity) {
        ios = new BdevIo[capacity];
        due = new long[capacity];
    }

    boolean isFull() {
        return size == ios.length;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    void add(BdevIo io, long dueNanos) {
        int at = (head + size) % ios.length;
        ios[at] = io;
        due[at] = dueNanos;
        size++;
    }

    /** The first request if it is due at {@code now}, removed; otherwise null. */
    BdevIo pollDue(long now) {
        if (size == 0 || due[head] - now > 0) {
            return null;
        }
        BdevIo io = ios[head];
        ios[head] = null;
        head = (head + 1) % ios.length;
        size--;
        return io;
    }
}
