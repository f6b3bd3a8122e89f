package io.jvhost.bdev.error.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevIoQueue;
import io.jvhost.bdev.spi.ForwardingChannel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Supplier;

/**
 * An error bdev's channel: forwards requests to the base unless an injection takes them (when the
 * injection asks for a queue depth, only while that many of this channel's requests are at the base).
 * A failure completes without reaching the base, with an I/O error or the NVMe status injected; a pending request is held until a reset arrives or the bdev is
 * removed (then it is aborted, so nothing waits forever); corrupt_data flips a byte of a write before it
 * goes down or of a read after it came back; nomem refuses the request once, as a module out of
 * resources does, and the core submits it again.
 */
final class ErrorChannel extends ForwardingChannel {
    /** moduleSlot of a read whose data is corrupted once the base returned it. */
    private static final int CORRUPT_ON_COMPLETION = 1;
    private final ErrorInjection injection;
    private final Supplier<Bdev> self;
    private final BdevIoQueue pending = new BdevIoQueue();
    private int pendingCount;

    ErrorChannel(IoChannel base, ErrorInjection injection, Supplier<Bdev> self) {
        super(base, DEFAULT_DEPTH);
        this.injection = injection;
        this.self = self;
    }

    @Override
    public boolean submit(BdevIo io) {
        if (io.type() == IoType.RESET) {
            abortPending();
        }
        switch (injection.take(io.type(), forwarded())) {
            case FAILURE -> finish(io, injection.failStatus(io.type()));
            case PENDING -> {
                pending.add(io);
                pendingCount++;
            }
            case NOMEM -> {
                return false;
            }
            case CORRUPT_DATA -> {
                io.moduleSlot = 0;
                if (io.type() == IoType.WRITE) {
                    corrupt(io);
                } else if (io.type() == IoType.READ) {
                    io.moduleSlot = CORRUPT_ON_COMPLETION;
                }
                return forward(io);
            }
            default -> {
                io.moduleSlot = 0;
                return forward(io);
            }
        }
        return true;
    }

    @Override
    protected void baseCompleted(BdevIo io, int status) {
        if (io.moduleSlot == CORRUPT_ON_COMPLETION && status == BdevIo.SUCCESS) {
            corrupt(io);
        }
        finish(io, status);
    }

    /** XORs the byte at the injection's offset into the request's data (SPDK's corrupt_offset/value). */
    private void corrupt(BdevIo io) {
        long at = Math.min(injection.corruptOffset(), io.dataBytes() - 1);
        for (int i = 0; i < io.segmentCount(); i++) {
            long len = io.segmentLength(i);
            if (at < len) {
                MemorySegment seg = io.segment(i);
                long pos = io.segmentOffset(i) + at;
                byte b = seg.get(ValueLayout.JAVA_BYTE, pos);
                seg.set(ValueLayout.JAVA_BYTE, pos, (byte) (b ^ injection.corruptValue()));
                return;
            }
            at -= len;
        }
    }

    @Override
    public int doWork() {
        int n = super.doWork();
        if (pendingCount > 0 && self.get().isRemoved()) {
            abortPending();
            n++;
        }
        return n;
    }

    private void abortPending() {
        BdevIo io;
        while ((io = pending.poll()) != null) {
            pendingCount--;
            finish(io, BdevIo.ABORTED);
        }
    }

    /** Held requests keep the reactor polling, so removal is noticed and they are aborted. */
    @Override
    public boolean prepareToSleep() {
        return pendingCount == 0 && super.prepareToSleep();
    }
}
