package io.jvhost.vhostnvme.internal;

/**
 * Completions of one submission queue that found its completion queue full, in order, until the
 * guest frees entries. A fixed ring: a queue never has more commands than entries. Reactor thread.
 */
final class PendingCompletions {
    private final int[] cids;
    private final int[] statuses;
    private int first;
    private int count;

    PendingCompletions(int capacity) {
        cids = new int[capacity];
        statuses = new int[capacity];
    }

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    void add(int cid, int status) {
        if (count == cids.length) {
            throw new IllegalStateException("more completions pending than the queue has entries");
        }
        int at = (first + count) % cids.length;
        cids[at] = cid;
        statuses[at] = status;
        count++;
    }

    int peekCid() {
        return cids[first];
    }

    int peekStatus() {
        return statuses[first];
    }

    void remove() {
        first = first + 1 == cids.length ? 0 : first + 1;
        count--;
    }
}
