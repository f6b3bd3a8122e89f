package io.jvhost.bdev.spi;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;

/**
 * A virtual bdev's channel that passes each request on to a base bdev's channel: a preallocated child
 * request carries the parent's type, a re-addressed offset and the parent's scatter-gather list in place
 * (no copy); the base's completion is reported for the parent on this channel's next pass. Subclasses
 * change the address ({@link #baseOffset}), decide per request ({@link #submit} before {@link #forward}),
 * or hold completions back ({@link #baseCompleted}, {@link #finish}). One reactor thread, no allocation.
 */
public abstract class ForwardingChannel implements ModuleChannel, BdevIo.Completion {
    /** Child requests per channel; a parent beyond this waits in the core's retry queue. */
    public static final int DEFAULT_DEPTH = 1024;

    private final IoChannel base;
    private final BdevIo[] free;
    private int freeCount;
    private final BdevIoQueue done = new BdevIoQueue();
    private Completer completer;

    protected ForwardingChannel(IoChannel base, int depth) {
        this.base = base;
        this.free = new BdevIo[depth];
        for (int i = 0; i < depth; i++) {
            free[i] = new BdevIo(1);
        }
        this.freeCount = depth;
    }

    @Override
    public final void bind(Completer c) {
        this.completer = c;
    }

    /** Forwards {@code io} unchanged but for {@link #baseOffset}; override to decide first. */
    @Override
    public boolean submit(BdevIo io) {
        return forward(io);
    }

    /** Sends {@code io} to the base; false when no child request is free (the core retries). */
    protected final boolean forward(BdevIo io) {
        if (freeCount == 0) {
            return false;
        }
        BdevIo child = free[--freeCount];
        child.set(io.type(), baseOffset(io.offsetBlocks()), io.numBlocks(), this);
        child.useSegments(io.segments());
        child.context = io;
        base.submit(child);
        return true;
    }

    /** The base's block for this bdev's block {@code offset}; identity unless overridden. */
    protected long baseOffset(long offset) {
        return offset;
    }

    /** The base completed a child; releases it and hands the parent to {@link #baseCompleted}. */
    @Override
    public final void ioCompleted(BdevIo child, int status) {
        BdevIo parent = (BdevIo) child.context;
        child.context = null;
        child.clearSegments();
        free[freeCount++] = child;
        baseCompleted(parent, status);
    }

    /** What to do when the base finished {@code io}; by default its status is the parent's. */
    protected void baseCompleted(BdevIo io, int status) {
        finish(io, status);
    }

    /** Reports {@code io} with {@code status} on this channel's next pass. */
    protected final void finish(BdevIo io, int status) {
        io.moduleSlot = status;
        done.add(io);
    }

    @Override
    public int doWork() {
        return done.completeAll(completer);
    }

    @Override
    public boolean prepareToSleep() {
        return done.isEmpty();
    }

    /** Requests forwarded to the base and not yet back. */
    protected final int forwarded() {
        return free.length - freeCount;
    }

    @Override
    public void close() {
        base.close();
    }
}
