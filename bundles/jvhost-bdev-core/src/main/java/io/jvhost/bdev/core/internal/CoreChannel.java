package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevIoQueue;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactor;

/**
 * What an opener submits through on one reactor: checks each request, hands it to the module
 * channel, queues it for retry when the module is out of resources, fails it (asynchronously) when
 * invalid or the bdev is removed, and accounts statistics on completion.
 */
final class CoreChannel implements IoChannel, Poller, ModuleChannel.Completer {
    /** One request in 2^4 has its latency measured; two clock reads per I/O would cost too much. */
    private static final int LATENCY_SAMPLE_MASK = 15;

    private final RegisteredBdev bdev;
    private final Descriptor descriptor;
    private final Reactor reactor;
    private final ModuleChannel module;
    private final boolean[] supported = new boolean[IoType.values().length];
    private final BdevIoQueue retry = new BdevIoQueue();
    private final BdevIoQueue failed = new BdevIoQueue();
    /** Requests held back by the bdev's QoS limits, in arrival order. */
    private final BdevIoQueue throttled = new BdevIoQueue();
    final ChannelStats stats = new ChannelStats();
    private int inFlight;
    private int sequence;
    private boolean closing;
    private boolean closed;

    CoreChannel(RegisteredBdev bdev, Descriptor descriptor, Reactor reactor, ModuleChannel module) {
        this.bdev = bdev;
        this.descriptor = descriptor;
        this.reactor = reactor;
        this.module = module;
        for (IoType t : bdev.supportedIoTypes()) {
            supported[t.ordinal()] = true;
        }
        module.bind(this);
    }

    Reactor reactor() {
        return reactor;
    }

    @Override
    public void submit(BdevIo io) {
        inFlight++;
        io.channel = this;
        io.submitNanos = (sequence++ & LATENCY_SAMPLE_MASK) == 0 ? System.nanoTime() : 0;
        int check = check(io);
        if (check != BdevIo.SUCCESS) {
            io.moduleSlot = check;
            failed.add(io);
        } else if (!throttled.isEmpty() || !admitted(io)) {
            throttled.add(io);
        } else {
            send(io);
        }
    }

    private void send(BdevIo io) {
        if (!retry.isEmpty() || !module.submit(io)) {
            retry.add(io);
        }
    }

    private boolean admitted(BdevIo io) {
        RateLimiter limiter = bdev.rateLimiter();
        return limiter == null || limiter.admit(io.type(), io.dataBytes(), System.nanoTime());
    }

    /** Sends held-back requests while the QoS quota of this slice lasts. */
    private int releaseThrottled() {
        int n = 0;
        BdevIo io;
        while ((io = throttled.poll()) != null) {
            if (closing || bdev.isRemoved()) {
                complete(io, BdevIo.REMOVED);
            } else if (!admitted(io)) {
                throttled.addFirst(io);
                break;
            } else {
                send(io);
            }
            n++;
        }
        return n;
    }

    private int check(BdevIo io) {
        if (closing || bdev.isRemoved()) {
            return BdevIo.REMOVED;
        }
        IoType type = io.type();
        if (!supported[type.ordinal()]) {
            return BdevIo.UNSUPPORTED;
        }
        if (type == IoType.WRITE && !descriptor.mode().writable()) {
            return BdevIo.INVALID;
        }
        long offset = io.offsetBlocks();
        long count = io.numBlocks();
        if (type == IoType.FLUSH || type == IoType.RESET) {
            return offset >= 0 && count >= 0 && offset + count <= bdev.blockCount() ? BdevIo.SUCCESS : BdevIo.INVALID;
        }
        if (offset < 0 || count <= 0 || count > bdev.blockCount() - offset) {
            return BdevIo.INVALID;
        }
        if (type.hasData() && io.dataBytes() != count * bdev.blockSize()) {
            return BdevIo.INVALID;
        }
        return BdevIo.SUCCESS;
    }

    @Override
    public void complete(BdevIo io, int status) {
        inFlight--;
        IoType type = io.type();
        // bytes moved for reads and writes, bytes covered for unmap and write-zeroes (SPDK's bytes_unmapped)
        boolean counted = status == BdevIo.SUCCESS && type != IoType.FLUSH && type != IoType.RESET;
        stats.completed(type, counted ? io.numBlocks() * bdev.blockSize() : 0, status != BdevIo.SUCCESS);
        if (io.submitNanos != 0) {
            stats.timed(type, System.nanoTime() - io.submitNanos);
        }
        io.channel = null;
        io.completion().ioCompleted(io, status);
    }

    @Override
    public int doWork() {
        int work = module.doWork();
        work += failed.completeAll(this);
        if (!throttled.isEmpty()) {
            work += releaseThrottled();
        }
        BdevIo io;
        while ((io = retry.poll()) != null) {
            if (closing || bdev.isRemoved()) {
                complete(io, BdevIo.REMOVED);
            } else if (!module.submit(io)) {
                retry.addFirst(io);
                break;
            }
            work++;
        }
        if (closing && inFlight == 0 && !closed) {
            finishClose();
        }
        return work;
    }

    /**
     * Sleep only when nothing is queued here and the module agrees (its completions will wake us).
     * Requests a QoS limit holds back are due at the limit's next slice, not on an event: the reactor
     * may sleep, but wakes for that slice instead of spinning a core until then.
     */
    @Override
    public boolean prepareToSleep() {
        if (!failed.isEmpty() || !retry.isEmpty()) {
            return false;
        }
        if (!throttled.isEmpty()) {
            RateLimiter limiter = bdev.rateLimiter();
            if (limiter == null) {
                return false; // the limit was lifted: the next pass sends them
            }
            reactor.wakeWithin(limiter.nextSliceNanos() - System.nanoTime());
        }
        return module.prepareToSleep();
    }

    @Override
    public void awake() {
        module.awake();
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    /** Closes once every request completed; until then new requests fail. Reactor thread only. */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        if (inFlight == 0) {
            finishClose();
        }
    }

    private void finishClose() {
        closed = true;
        reactor.removePoller(this);
        try {
            module.close();
        } finally {
            bdev.channelClosed(this);
            descriptor.channelClosed(this);
        }
    }

    @Override
    public String name() {
        return "bdev:" + bdev.name();
    }
}
