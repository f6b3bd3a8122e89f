package io.jvhost.vhostnvme.internal;

import io.jvhost.reactor.Reactor;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the control thread changes what a queue's reactor reads: every change is a command on that
 * reactor's queue, applied there, and the control thread waits for the acknowledgement before it
 * relies on the change (for one, before it closes an fd the reactor used).
 */
final class OnReactor {
    private static final Logger LOG = LoggerFactory.getLogger(OnReactor.class);
    static final long TIMEOUT_SECONDS = 30;

    private OnReactor() {
    }

    /** Runs {@code action} on {@code r} and waits; false when the reactor did not answer in time. */
    static boolean run(Reactor r, Runnable action) {
        return value(r, () -> {
            action.run();
            return Boolean.TRUE;
        }) != null;
    }

    /** Queues {@code action} on {@code r} without waiting (doorbell relays); a stopped reactor drops it. */
    static void post(Reactor r, Runnable action) {
        try {
            r.execute(action);
        } catch (RuntimeException stopped) {
            // the queue is going away with its reactor
        }
    }

    /**
     * Asks {@code condition} on {@code r}'s thread until it holds, the reactor stops answering or
     * {@link #TIMEOUT_SECONDS} pass (what is in flight there finishes on its own time).
     */
    static void await(Reactor r, Callable<Boolean> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            Boolean done = value(r, condition);
            if (done == null || done) {
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static <T> T value(Reactor r, Callable<T> action) {
        try {
            return r.call(action).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.error("reactor {} did not answer: {}", r.index(), e.toString());
            return null;
        }
    }
}
