package io.jvhost.reactor;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A unit of polled work run by one reactor. {@link #doWork()} must not block, allocate or log on
 * the I/O path, and returns how much it did (0 when idle).
 */
@ConsumerType
public interface Poller {
    /** Does one bounded pass of work; returns a work count, 0 when there was nothing to do. */
    int doWork();

    /**
     * Called before the reactor sleeps in interrupt mode: enable the notifications that will wake it
     * (e.g. clear VRING_USED_F_NO_NOTIFY) and re-check for work. Return false if work arrived, in which
     * case the reactor does not sleep.
     */
    default boolean prepareToSleep() {
        return true;
    }

    /** Called when the reactor wakes: notifications may be suppressed again while polling. */
    default void awake() {
    }

    /** A short name for listings such as {@code reactor:list}. */
    default String name() {
        return getClass().getSimpleName();
    }
}
