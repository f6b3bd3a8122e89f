package io.jvhost.scsi.internal;

/**
 * One channel's share of a task-management function: counts the tasks it ended that have not yet
 * completed, and reports to the function once they all did. Reactor thread of that channel only.
 */
final class TmfWait {
    private int pending;
    private final int matched;
    private final java.util.function.IntConsumer done;

    TmfWait(int matched, java.util.function.IntConsumer done) {
        this.pending = matched;
        this.matched = matched;
        this.done = done;
        if (matched == 0) {
            done.accept(0);
        }
    }

    void taskEnded() {
        if (--pending == 0) {
            done.accept(matched);
        }
    }
}
