package io.jvhost.reactor.internal;

import io.jvhost.reactor.IdleStrategies;
import io.jvhost.reactor.IdleStrategy;

/** Never gives the core away; a spin-wait hint when idle. */
final class BusySpinIdleStrategy implements IdleStrategy {
    @Override
    public void idle(int workCount) {
        if (workCount == 0) {
            Thread.onSpinWait();
        }
    }

    @Override
    public void reset() {
    }

    @Override
    public String name() {
        return IdleStrategies.BUSY_SPIN;
    }
}
