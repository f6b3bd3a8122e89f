package io.jvhost.reactor.internal;

import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.IdleStrategy;
import java.util.concurrent.locks.LockSupport;

/** Spins, then yields, then parks for growing periods; any work resets it. */
final class BackoffIdleStrategy implements IdleStrategy {
    private static final int MAX_SPINS = 100, MAX_YIELDS = 10;
    private static final long MIN_PARK_NANOS = 1_000, MAX_PARK_NANOS = 1_000_000;
    private int spins, yields;
    private long parkNanos = MIN_PARK_NANOS;

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else if (spins < MAX_SPINS) {
            spins++;
            Thread.onSpinWait();
        } else if (yields < MAX_YIELDS) {
            yields++;
            Thread.yield();
        } else {
            LockSupport.parkNanos(parkNanos);
            parkNanos = Math.min(parkNanos * 2, MAX_PARK_NANOS);
        }
    }

    @Override
    public void reset() {
        spins = 0;
        yields = 0;
        parkNanos = MIN_PARK_NANOS;
    }

    @Override
    public String name() {
        return IdleStrategies.BACKOFF;
    }
}
