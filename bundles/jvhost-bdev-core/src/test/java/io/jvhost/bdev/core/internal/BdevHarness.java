package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.reactor.Reactors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A real registry and a reactor stepped by the test thread, for testing the bdev core and modules
 * without threads: every completion is observed exactly when the test steps the reactor.
 */
public final class BdevHarness implements AutoCloseable {
    public final BdevRegistryImpl registry = new BdevRegistryImpl();
    public final Reactors.SteppedReactor reactor = Reactors.stepped(0);
    public final Arena arena = Arena.ofShared();
    public final List<String> events = new ArrayList<>();

    public BdevHarness() {
        reactor.bindToCurrentThread();
    }

    public BdevRegistry registry() {
        return registry;
    }

    public BdevDescriptor open(String name, OpenMode mode) {
        return registry.open(name, mode, "test", new BdevEventListener() {
            @Override
            public void removed(Bdev bdev) {
                events.add("removed " + bdev.name());
            }

            @Override
            public void resized(Bdev bdev, long oldCount, long newCount) {
                events.add("resized " + bdev.name() + " " + oldCount + "->" + newCount);
            }
        });
    }

    /** A request that records its completions. */
    public static final class TrackedIo implements BdevIo.Completion {
        public final BdevIo io = new BdevIo(16);
        public int completions;
        public int status = Integer.MIN_VALUE;

        @Override
        public void ioCompleted(BdevIo completed, int s) {
            completions++;
            status = s;
        }
    }

    public TrackedIo submit(IoChannel ch, IoType type, long offset, long blocks, MemorySegment... segments) {
        TrackedIo t = new TrackedIo();
        t.io.set(type, offset, blocks, t);
        for (MemorySegment s : segments) {
            t.io.addSegment(s);
        }
        ch.submit(t.io);
        return t;
    }

    /** Steps the reactor until {@code done} holds; fails after many passes. */
    public void stepUntil(BooleanSupplier done) {
        for (int i = 0; i < 1_000_000; i++) {
            if (done.getAsBoolean()) {
                return;
            }
            reactor.step();
            if (i > 1000) {
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("condition not reached after 1,000,000 reactor passes");
    }

    public TrackedIo run(IoChannel ch, IoType type, long offset, long blocks, MemorySegment... segments) {
        TrackedIo t = submit(ch, type, offset, blocks, segments);
        stepUntil(() -> t.completions > 0);
        return t;
    }

    public MemorySegment buffer(long size) {
        return arena.allocate(size, 4096);
    }

    @Override
    public void close() {
        arena.close();
    }
}
