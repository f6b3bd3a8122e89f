package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeDriverException;
import java.util.concurrent.locks.LockSupport;

/**
 * A queue pair's state between its owner thread and the controller's reset or detach: the controller
 * asks (suspend, resume, fail) and wakes the owner; the owner acts on its next poll and acknowledges
 * by moving to the next state; the controller waits for that. So the queues are never touched by two
 * threads at once.
 */
final class OwnerHandshake {
    static final int RUNNING = 0, SUSPEND_REQUESTED = 1, SUSPENDED = 2, RESUME_REQUESTED = 3,
            FAIL_REQUESTED = 4, FAILED = 5;
    private final int qid;
    private volatile int state = RUNNING;
    private volatile Runnable wake = () -> { };

    OwnerHandshake(int qid) {
        this.qid = qid;
    }

    /** The state as the owner sees it on each submission and poll. */
    int state() {
        return state;
    }

    /** Owner: the request was carried out. */
    void acknowledge(int reached) {
        state = reached;
    }

    /** How the owner is woken when a request arrives while it sleeps. */
    void onStateChange(Runnable wake) {
        this.wake = wake;
    }

    void suspend() {
        request(SUSPEND_REQUESTED);
    }

    void awaitSuspended(long timeoutNanos) {
        await(SUSPENDED, timeoutNanos);
    }

    void resume() {
        request(RESUME_REQUESTED);
    }

    /** Outstanding commands complete as aborted on the owner's next poll; later submissions fail too. */
    void fail() {
        if (state != FAILED) {
            request(FAIL_REQUESTED);
        }
    }

    /** Waits until the owner completed everything outstanding after {@link #fail()}; false on timeout. */
    boolean awaitFailed(long timeoutNanos) {
        try {
            await(FAILED, timeoutNanos);
            return true;
        } catch (NvmeDriverException e) {
            return false;
        }
    }

    private void request(int s) {
        state = s;
        wake.run();
    }

    private void await(int wanted, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        while (state != wanted) {
            if (System.nanoTime() > deadline) {
                throw new NvmeDriverException("nvme queue pair " + qid + " was not polled by its owner within "
                        + timeoutNanos / 1_000_000 + " ms");
            }
            LockSupport.parkNanos(100_000);
        }
    }
}
