package io.jvhost.itests;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.Arena;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps {@code depth} 4 KiB reads in flight against one bdev from one reactor, counting successes
 * and failures, and behaves as a good opener: on hot-remove it stops and closes its channel.
 */
final class IoLoad implements Poller, BdevIo.Completion, BdevEventListener {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    volatile boolean removed;
    private final Reactor reactor;
    private final BdevDescriptor descriptor;
    private final Arena arena = Arena.ofShared();
    private final BdevIo[] ios;
    private IoChannel channel;
    private int inFlight;
    private boolean stopping;
    private long next;

    IoLoad(BdevRegistry registry, String bdev, Reactor reactor, int depth) {
        this.reactor = reactor;
        this.descriptor = registry.open(bdev, OpenMode.READ_ONLY, "itest-load", this);
        this.ios = new BdevIo[depth];
        for (int i = 0; i < depth; i++) {
            ios[i] = new BdevIo(1);
            ios[i].context = arena.allocate(4096, 4096);
        }
        reactor.execute(this::start);
    }

    private void start() {
        channel = descriptor.channel(reactor);
        reactor.addPoller(this);
        for (BdevIo io : ios) {
            submit(io);
        }
    }

    private void submit(BdevIo io) {
        long blocks = 4096 / descriptor.bdev().blockSize();
        long regions = descriptor.bdev().blockCount() / blocks;
        io.set(IoType.READ, (next++ % regions) * blocks, blocks, this);
        io.addSegment((java.lang.foreign.MemorySegment) io.context);
        inFlight++;
        channel.submit(io);
    }

    @Override
    public void ioCompleted(BdevIo io, int status) {
        inFlight--;
        (status == BdevIo.SUCCESS ? ok : failed).incrementAndGet();
        if (!stopping) {
            submit(io);
        }
    }

    @Override
    public int doWork() {
        if (stopping && inFlight == 0 && !closed.isDone()) {
            reactor.removePoller(this);
            channel.close();
            descriptor.close();
            arena.close();
            closed.complete(null);
        }
        return 0;
    }

    /** Stops submitting; the channel and descriptor close once in-flight reads finished. */
    void stop() {
        reactor.execute(() -> stopping = true);
    }

    @Override
    public void removed(Bdev bdev) {
        removed = true;
        stop();
    }
}
