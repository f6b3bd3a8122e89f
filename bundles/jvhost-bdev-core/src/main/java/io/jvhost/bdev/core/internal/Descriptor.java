package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** An open bdev and the channels opened through it. */
final class Descriptor implements BdevDescriptor {
    private final RegisteredBdev bdev;
    private final OpenMode mode;
    private final String owner;
    final BdevEventListener listener;
    private final Set<CoreChannel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Descriptor(RegisteredBdev bdev, OpenMode mode, String owner, BdevEventListener listener) {
        this.bdev = bdev;
        this.mode = mode;
        this.owner = owner;
        this.listener = listener;
    }

    @Override
    public Bdev bdev() {
        return bdev;
    }

    @Override
    public OpenMode mode() {
        return mode;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public IoChannel channel(Reactor reactor) {
        if (!reactor.inReactor()) {
            throw new IllegalStateException("bdev " + bdev.name() + ": channel must be created on " + reactor);
        }
        if (closed) {
            throw new BdevException(BdevException.Reason.INVALID, "bdev " + bdev.name() + ": descriptor of "
                    + owner + " is closed");
        }
        if (bdev.isRemoved()) {
            throw new BdevException(BdevException.Reason.NOT_FOUND, "bdev " + bdev.name() + " was removed");
        }
        ModuleChannel m = bdev.backend().createChannel(reactor);
        CoreChannel c = new CoreChannel(bdev, this, reactor, m);
        channels.add(c);
        bdev.channelOpened(c);
        reactor.addPoller(c);
        return c;
    }

    void channelClosed(CoreChannel c) {
        channels.remove(c);
        bdev.descriptorMaybeDone(this);
    }

    boolean isDone() {
        return closed && channels.isEmpty();
    }

    /** Releases the claim now; open channels close on their reactors once drained. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bdev.descriptorClosing(this);
        for (CoreChannel c : channels) {
            try {
                c.reactor().execute(c::close);
            } catch (IllegalStateException stopped) {
                channels.remove(c);
            }
        }
        bdev.descriptorMaybeDone(this);
    }

    @Override
    public String toString() {
        return owner + " (" + mode.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
