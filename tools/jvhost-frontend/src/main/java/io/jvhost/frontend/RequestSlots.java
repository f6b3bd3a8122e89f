package io.jvhost.frontend;

/**
 * The request ids of a driver queue, as a guest driver tracks them: which are free, which are in
 * flight. A used id that is not in flight is the device's error and throws.
 */
final class RequestSlots {
    private final int queue;
    private final int[] free;
    private final boolean[] busy;
    private int freeCount;

    RequestSlots(int slots, int queue) {
        this.queue = queue;
        this.free = new int[slots];
        this.busy = new boolean[slots];
        for (int s = 0; s < slots; s++) {
            free[s] = slots - 1 - s;
        }
        freeCount = slots;
    }

    int size() {
        return free.length;
    }

    int inFlight() {
        return free.length - freeCount;
    }

    /** The slot {@link #take()} will return, or -1 when none is free. */
    int peek() {
        return freeCount == 0 ? -1 : free[freeCount - 1];
    }

    /** Takes a free slot; -1 when every slot is in flight. */
    int take() {
        if (freeCount == 0) {
            return -1;
        }
        int slot = free[--freeCount];
        busy[slot] = true;
        return slot;
    }

    /** The device returned {@code slot}. */
    void release(int slot) {
        if (slot < 0 || slot >= busy.length || !busy[slot]) {
            throw new IllegalStateException("queue " + queue + ": device returned request " + slot
                    + " that is not in flight");
        }
        busy[slot] = false;
        free[freeCount++] = slot;
    }
}
