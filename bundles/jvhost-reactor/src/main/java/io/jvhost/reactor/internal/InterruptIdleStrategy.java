package io.jvhost.reactor.internal;

import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.IdleStrategy;

/** Spins for a few idle passes, then has the reactor sleep until an eventfd or a message wakes it. */
final class InterruptIdleStrategy implements IdleStrategy {
    /**
     * About a microsecond: long enough to catch another reactor's reply (round trip 0.56 us instead
     * of 2 us when sleeping at once), short against a guest's gap between requests, where 64 passes
     * cost measurably more back-end CPU per I/O (bench/guest-vs-qsd.sh).
     */
    private static final int IDLE_PASSES_BEFORE_SLEEP = 16;
    private final Runnable sleeper;
    private int idlePasses;

    InterruptIdleStrategy(Runnable sleeper) {
        this.sleeper = sleeper;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            idlePasses = 0;
        } else if (++idlePasses < IDLE_PASSES_BEFORE_SLEEP) {
            Thread.onSpinWait();
        } else {
            sleeper.run();
            idlePasses = 0;
        }
    }

    @Override
    public void reset() {
        idlePasses = 0;
    }

    @Override
    public String name() {
        return IdleStrategies.INTERRUPT;
    }
}
