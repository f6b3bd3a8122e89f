package io.jvhost.reactor;

import io.jvhost.reactor.internal.ReactorLoop;
import io.jvhost.reactor.internal.ThreadReactorGroup;

/** Creates reactors outside the OSGi service, for tools, benchmarks and tests. */
public final class Reactors {
    private Reactors() {
    }

    /** Starts one pinned thread per core of {@code mask}. Close the group to stop them. */
    public static ClosableReactorGroup start(String name, CpuMask mask, String idleStrategy) {
        return ThreadReactorGroup.start(name, mask, IdleStrategies.require(idleStrategy));
    }

    /** A reactor with no thread: the caller's thread drives it with {@link SteppedReactor#step()}. */
    public static SteppedReactor stepped(int index) {
        return new ReactorLoop(index, -1, IdleStrategies.BUSY_SPIN);
    }

    /** A reactor group that can be stopped. */
    public interface ClosableReactorGroup extends ReactorGroup, AutoCloseable {
        @Override
        void close();
    }

    /** A reactor driven step by step by a test or tool thread. */
    public interface SteppedReactor extends Reactor {
        /** Runs one pass (queued commands, then pollers) on the calling thread; returns the work count. */
        int step();

        /** Binds the calling thread as this reactor's thread, so {@link #inReactor()} is true on it. */
        void bindToCurrentThread();
    }
}
