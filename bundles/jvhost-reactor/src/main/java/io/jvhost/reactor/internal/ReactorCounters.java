package io.jvhost.reactor.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** Padding before the hot counters, so no other object's fields share their cache line. */
abstract class ReactorCountersLhsPadding {
    long p01, p02, p03, p04, p05, p06, p07, p08;
}

/** Counters written by the reactor thread with release stores and read anywhere. */
abstract class ReactorCountersValues extends ReactorCountersLhsPadding {
    static final VarHandle BUSY, IDLE, PASSES, SLEEPS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            BUSY = l.findVarHandle(ReactorCountersValues.class, "busyNanos", long.class);
            IDLE = l.findVarHandle(ReactorCountersValues.class, "idleNanos", long.class);
            PASSES = l.findVarHandle(ReactorCountersValues.class, "passes", long.class);
            SLEEPS = l.findVarHandle(ReactorCountersValues.class, "sleeps", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long busyNanos, idleNanos, passes, sleeps;
}

/** Padding after the hot counters. */
abstract class ReactorCounters extends ReactorCountersValues {
    long p11, p12, p13, p14, p15, p16, p17, p18;
}
