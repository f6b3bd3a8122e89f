package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.driver.NvmeQueuePair.Callback;
import java.util.ArrayDeque;

/**
 * The commands a queue pair has outstanding, and how each of them ends: completed by the device,
 * placed again on fresh rings after a controller reset, or aborted when the controller failed or
 * was detached. Requests that arrive after the pair failed wait here until the owner's next poll,
 * so that no callback runs inside the submit call that caused it. Owner thread only.
 */
final class InFlightCommands {
    /** Status reported for commands that end because the controller failed or was detached. */
    static final int STATUS_ABORTED = Nvme.ABORTED_SQ_DELETION;

    private final CommandSlots slots;
    private final CommandData data;
    private final ArrayDeque<FailedCommand> failedLater = new ArrayDeque<>();
    private int outstanding;

    /** A request that arrived after the pair failed (rare path: allocating is fine). */
    private record FailedCommand(Object request, Callback callback) {
    }

    InFlightCommands(CommandSlots slots, CommandData data) {
        this.slots = slots;
        this.data = data;
    }

    int outstanding() {
        return outstanding;
    }

    /** Counts a command the owner has just placed on the submission ring. */
    void placed() {
        outstanding++;
    }

    /** Gives back the id and bounce pages of a command that was never placed or has ended. */
    void release(int cid) {
        data.releasePages(cid);
        slots.release(cid);
    }

    /** Ends the command the device completed with {@code status}; copies read data out of bounce pages. */
    void completed(int cid, int status) {
        if (!slots.inUse(cid)) {
            return; // not ours (a controller bug): nothing to complete
        }
        Object request = slots.requests[cid];
        Callback cb = slots.callbacks[cid];
        if (status == Nvme.SUCCESS && slots.readsData[cid] && slots.dataBytes[cid] > 0 && slots.bounced[cid]) {
            data.copy(slots.datas[cid], slots.dataOffset[cid], slots.dataBytes[cid], cid, false);
        }
        outstanding--;
        release(cid);
        cb.completed(request, status);
    }

    /** After a reset: the controller forgot every entry, so each outstanding command goes on the new rings again. */
    void placeAgain(QueueRings rings) {
        long now = System.nanoTime();
        for (int cid = 0; cid < slots.size(); cid++) {
            if (slots.inUse(cid)) {
                slots.resubmitted(cid, now);
                rings.place(slots.entries, CommandSlots.entryOffset(cid));
            }
        }
    }

    /** The controller is gone: every outstanding command ends as aborted. Returns how many ended. */
    int abortAll() {
        int n = 0;
        for (int cid = 0; cid < slots.size(); cid++) {
            if (slots.inUse(cid)) {
                Object request = slots.requests[cid];
                Callback cb = slots.callbacks[cid];
                outstanding--;
                release(cid);
                cb.completed(request, STATUS_ABORTED);
                n++;
            }
        }
        return n + drainFailed();
    }

    /** Reports each command older than {@code timeoutNanos} (once) to the controller's monitor. */
    void checkTimeouts(PcieController controller, int qid, long timeoutNanos) {
        long now = System.nanoTime();
        for (int cid = 0; cid < slots.size(); cid++) {
            if (slots.overdue(cid, now, timeoutNanos)) {
                controller.reportTimeout(qid, cid);
            }
        }
    }

    /** Keeps a request submitted after the pair failed; it ends as aborted on the next poll. */
    void failLater(Object request, Callback callback) {
        failedLater.add(new FailedCommand(request, callback));
    }

    /** Ends the requests kept by {@link #failLater}; returns how many. */
    int drainFailed() {
        if (failedLater.isEmpty()) {
            return 0;
        }
        int n = 0;
        FailedCommand f;
        while ((f = failedLater.poll()) != null) {
            f.callback().completed(f.request(), STATUS_ABORTED);
            n++;
        }
        return n;
    }
}
