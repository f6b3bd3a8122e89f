package io.jvhost.bdev.aio.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevIoQueue;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.posix.EventFd;
import io.jvhost.posix.IoUring;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One reactor's io_uring for one file. Requests are prepared into the submission ring as they come;
 * the reactor's pass submits them with one io_uring_enter and polls completions without syscalls.
 */
final class AioChannel implements ModuleChannel, IoUring.CompletionHandler {
    static final int QUEUE_DEPTH = 256;
    static final int MAX_SEGMENTS = 256;
    private static final int FALLOC_PUNCH_HOLE_KEEP_SIZE = 0x02 | 0x01;
    private static final long IOVEC = 16;

    private final IoUring ring = IoUring.create(QUEUE_DEPTH);
    /** Signalled by the kernel on every completion, so a reactor in interrupt mode can sleep while I/O runs. */
    private final EventFd completions = EventFd.create();
    private final Reactor reactor;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iovecs = arena.allocate(QUEUE_DEPTH * MAX_SEGMENTS * IOVEC, 8);
    private final BdevIo[] slots = new BdevIo[QUEUE_DEPTH];
    private final long[] expected = new long[QUEUE_DEPTH];
    private final int[] free = new int[QUEUE_DEPTH];
    private final int fd;
    private final int blockSize;
    private final BdevIoQueue rejected = new BdevIoQueue();
    private int freeCount = QUEUE_DEPTH;
    private int inFlight;
    private Completer completer;

    AioChannel(int fd, int blockSize, Reactor reactor) {
        this.fd = fd;
        this.blockSize = blockSize;
        this.reactor = reactor;
        ring.registerEventFd(completions);
        reactor.watch(completions);
        for (int i = 0; i < QUEUE_DEPTH; i++) {
            free[i] = i;
        }
    }

    @Override
    public void bind(Completer c) {
        this.completer = c;
    }

    @Override
    public boolean submit(BdevIo io) {
        if (io.segmentCount() > MAX_SEGMENTS) {
            io.moduleSlot = BdevIo.INVALID;
            rejected.add(io);
            return true;
        }
        if (freeCount == 0 || ring.freeSlots() == 0) {
            return false;
        }
        int slot = free[--freeCount];
        long offset = io.offsetBlocks() * blockSize;
        long bytes = io.numBlocks() * blockSize;
        boolean ok = switch (io.type()) {
            case READ, WRITE -> prepareData(io, slot, offset);
            case FLUSH -> ring.prepare(IoUring.OP_FSYNC, fd, 0, 0, 0, IoUring.FSYNC_DATASYNC, slot);
            case UNMAP, WRITE_ZEROES -> ring.prepare(IoUring.OP_FALLOCATE, fd, bytes, FALLOC_PUNCH_HOLE_KEEP_SIZE,
                    offset, 0, slot);
            case RESET -> ring.prepare(IoUring.OP_NOP, -1, 0, 0, 0, 0, slot);
        };
        if (!ok) {
            free[freeCount++] = slot;
            return false;
        }
        slots[slot] = io;
        expected[slot] = io.type().hasData() ? bytes : 0;
        inFlight++;
        return true;
    }

    private boolean prepareData(BdevIo io, int slot, long offset) {
        boolean read = io.type() == IoType.READ;
        int n = io.segmentCount();
        if (n == 1) {
            return ring.prepare(read ? IoUring.OP_READ : IoUring.OP_WRITE, fd, io.segmentAddress(0),
                    (int) io.segmentLength(0), offset, 0, slot);
        }
        long base = (long) slot * MAX_SEGMENTS * IOVEC;
        for (int i = 0; i < n; i++) {
            iovecs.set(ValueLayout.JAVA_LONG, base + i * IOVEC, io.segmentAddress(i));
            iovecs.set(ValueLayout.JAVA_LONG, base + i * IOVEC + 8, io.segmentLength(i));
        }
        return ring.prepare(read ? IoUring.OP_READV : IoUring.OP_WRITEV, fd, iovecs.address() + base, n, offset, 0, slot);
    }

    @Override
    public int doWork() {
        int work = 0;
        if (ring.pending() > 0) {
            work += ring.submit();
        }
        if (inFlight > 0) {
            work += ring.reap(this);
        }
        return work + rejected.completeAll(completer);
    }

    @Override
    public void onCompletion(long userData, int result) {
        int slot = (int) userData;
        BdevIo io = slots[slot];
        slots[slot] = null;
        free[freeCount++] = slot;
        inFlight--;
        int status = result < 0 || (expected[slot] != 0 && result != expected[slot]) ? BdevIo.FAILED : BdevIo.SUCCESS;
        completer.complete(io, status);
    }

    /** Sleeping is safe while I/O runs in the kernel: each completion signals the watched eventfd. */
    @Override
    public boolean prepareToSleep() {
        return ring.pending() == 0 && rejected.isEmpty() && !ring.hasCompletions();
    }

    @Override
    public void close() {
        reactor.unwatch(completions);
        completions.close();
        ring.close();
        arena.close();
    }
}
