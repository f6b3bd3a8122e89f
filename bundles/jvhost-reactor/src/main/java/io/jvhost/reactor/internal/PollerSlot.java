package io.jvhost.reactor.internal;

import io.jvhost.reactor.Poller;
import io.jvhost.reactor.PollerStats;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A poller as its reactor holds it: with an id and the run and busy counts {@code thread_get_pollers}
 * reports. The counts are written only by the reactor thread (opaque stores, no fence) and read anywhere.
 */
final class PollerSlot {
    private static final VarHandle RUNS;
    private static final VarHandle BUSY;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RUNS = l.findVarHandle(PollerSlot.class, "runs", long.class);
            BUSY = l.findVarHandle(PollerSlot.class, "busy", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Poller poller;
    final long id;
    private long runs;
    private long busy;

    PollerSlot(Poller poller, long id) {
        this.poller = poller;
        this.id = id;
    }

    /** One call of the poller, counted; reactor thread only. */
    int run() {
        int work = poller.doWork();
        RUNS.setOpaque(this, runs + 1);
        if (work > 0) {
            BUSY.setOpaque(this, busy + 1);
        }
        return work;
    }

    PollerStats stats() {
        return new PollerStats(poller.name(), id, (long) RUNS.getOpaque(this), (long) BUSY.getOpaque(this));
    }
}
