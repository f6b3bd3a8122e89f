package io.jvhost.bdev.spi;

import io.jvhost.bdev.BdevIo;

/**
 * A module channel that does each request's work at submission (memory copies) and reports the
 * completions on its next poll, so completion never runs inside submit and completions batch.
 */
public abstract class DeferredCompletionChannel implements ModuleChannel {
    private final BdevIoQueue done = new BdevIoQueue();
    private Completer completer;

    @Override
    public final void bind(Completer c) {
        this.completer = c;
    }

    /** Does the request's work now; returns its status. */
    protected abstract int execute(BdevIo io);

    @Override
    public final boolean submit(BdevIo io) {
        io.moduleSlot = execute(io);
        done.add(io);
        return true;
    }

    @Override
    public final int doWork() {
        return done.completeAll(completer);
    }

    /** Completions are reported on the next pass, so the reactor must not sleep while any wait. */
    @Override
    public boolean prepareToSleep() {
        return done.isEmpty();
    }

    @Override
    public void close() {
    }
}
