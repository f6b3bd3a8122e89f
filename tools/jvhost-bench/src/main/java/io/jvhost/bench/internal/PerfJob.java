package io.jvhost.bench.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.LatencyHistogram;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/**
 * One bdevperf job: keeps {@code depth} requests in flight against one bdev from one reactor until
 * the time is up. In verify mode each slot writes a pattern to its own region, reads it back and
 * compares. Everything is preallocated; the I/O path allocates nothing.
 */
final class PerfJob implements Poller, BdevIo.Completion {
    enum Workload { READ, WRITE, RANDREAD, RANDWRITE, RW, RANDRW, VERIFY }

    private final Bdev bdev;
    private final BdevDescriptor descriptor;
    private final Reactor reactor;
    private final Workload workload;
    private final int readPercent;
    private final long ioBlocks;
    private final long regions;
    private final int depth;
    private final long durationNanos;
    private final Arena arena = Arena.ofShared();
    private final BdevIo[] ios;
    private final MemorySegment[] writeBuffers;
    private final MemorySegment[] readBuffers;
    private final long[] slotOffset;
    private final boolean[] verifyReading;
    private final LatencyHistogram latency = new LatencyHistogram();
    private final long[] started;
    final CompletableFuture<PerfResult> result = new CompletableFuture<>();
    private IoChannel channel;
    private long random;
    private long sequential;
    private long startNanos;
    private long endNanos;
    private long completed;
    private long errors;
    private long mismatches;
    private int inFlight;
    private boolean stopping;
    private int pass;

    /** The buffers' memory, announced to DMA-capable modules so that they need not copy. */
    private final io.jvhost.memory.MemoryRegistry.Registration registration;

    PerfJob(Bdev bdev, BdevDescriptor descriptor, Reactor reactor, Workload workload, int readPercent, int ioSize,
            int depth, long durationNanos, io.jvhost.memory.MemoryRegistry memory) {
        this.bdev = bdev;
        this.descriptor = descriptor;
        this.reactor = reactor;
        this.workload = workload;
        this.readPercent = readPercent;
        this.ioBlocks = ioSize / bdev.blockSize();
        this.regions = bdev.blockCount() / ioBlocks;
        this.depth = depth;
        this.durationNanos = durationNanos;
        this.ios = new BdevIo[depth];
        this.writeBuffers = new MemorySegment[depth];
        this.readBuffers = new MemorySegment[depth];
        this.slotOffset = new long[depth];
        this.verifyReading = new boolean[depth];
        this.started = new long[depth];
        this.random = 0x9E3779B97F4A7C15L ^ bdev.name().hashCode();
        // one slab of page-aligned buffers, registered once
        long stride = (ioSize + 4095L) & -4096L;
        int perSlot = workload == Workload.VERIFY ? 2 : 1;
        MemorySegment slab = arena.allocate(stride * depth * perSlot, 4096);
        for (int i = 0; i < depth; i++) {
            ios[i] = new BdevIo(1);
            ios[i].tag = i;
            writeBuffers[i] = slab.asSlice(stride * i * perSlot, ioSize);
            readBuffers[i] = perSlot == 2 ? slab.asSlice(stride * (i * 2L + 1), ioSize) : writeBuffers[i];
            fillPattern(writeBuffers[i], i, 0);
        }
        this.registration = memory == null ? null : memory.register(slab, "bdevperf " + bdev.name());
    }

    /** Starts on the reactor thread: opens the channel and fills the queue. */
    void start() {
        channel = descriptor.channel(reactor);
        reactor.addPoller(this);
        startNanos = System.nanoTime();
        for (int i = 0; i < depth; i++) {
            submitNext(i);
        }
    }

    private void submitNext(int slot) {
        boolean read;
        long offset;
        switch (workload) {
            case READ, WRITE -> {
                read = workload == Workload.READ;
                offset = (sequential++ % regions) * ioBlocks;
            }
            case RANDREAD, RANDWRITE -> {
                read = workload == Workload.RANDREAD;
                offset = nextRandom(regions) * ioBlocks;
            }
            case RW, RANDRW -> {
                read = nextRandom(100) < readPercent;
                offset = workload == Workload.RW ? (sequential++ % regions) * ioBlocks : nextRandom(regions) * ioBlocks;
            }
            default -> {
                // verify: a fresh offset in this slot's own regions, written first, then read back
                read = verifyReading[slot];
                if (!read) {
                    long perSlot = regions / depth;
                    offset = (nextRandom(perSlot) * depth + slot) * ioBlocks;
                    slotOffset[slot] = offset;
                    fillPattern(writeBuffers[slot], offset, ++pass);
                } else {
                    offset = slotOffset[slot];
                }
            }
        }
        BdevIo io = ios[slot];
        io.set(read ? IoType.READ : IoType.WRITE, offset, ioBlocks, this);
        io.addSegment(read ? readBuffers[slot] : writeBuffers[slot]);
        inFlight++;
        started[slot] = System.nanoTime();
        channel.submit(io);
    }

    @Override
    public void ioCompleted(BdevIo io, int status) {
        int slot = (int) io.tag;
        inFlight--;
        long now = System.nanoTime();
        latency.record(now - started[slot]);
        completed++;
        io.clearSegments();
        if (status != BdevIo.SUCCESS) {
            errors++;
        } else if (workload == Workload.VERIFY) {
            if (verifyReading[slot] && readBuffers[slot].mismatch(writeBuffers[slot]) != -1) {
                mismatches++;
            }
            verifyReading[slot] = !verifyReading[slot];
        }
        if (now - startNanos >= durationNanos) {
            stopping = true;
        }
        if (!stopping) {
            submitNext(slot);
        } else if (inFlight == 0) {
            endNanos = now;
        }
    }

    @Override
    public int doWork() {
        if (stopping && inFlight == 0 && !result.isDone()) {
            reactor.removePoller(this);
            channel.close();
            descriptor.close();
            long[] buckets = new long[LatencyHistogram.BUCKETS];
            long[] sumCount = latency.addTo(buckets);
            result.complete(new PerfResult(bdev.name(), reactor.core(), completed, errors, mismatches,
                    Math.max(1, endNanos - startNanos), ioBlocks * bdev.blockSize(),
                    sumCount[1] == 0 ? 0 : sumCount[0] / sumCount[1], LatencyHistogram.percentile(buckets, 0.5),
                    LatencyHistogram.percentile(buckets, 0.99)));
            if (registration != null) {
                registration.close();
            }
            arena.close();
            return 1;
        }
        return 0;
    }

    /** Releases a job that never started. */
    void abandon() {
        descriptor.close();
        if (registration != null) {
            registration.close();
        }
        arena.close();
        result.cancel(false);
    }

    private long nextRandom(long bound) {
        random ^= random << 13;
        random ^= random >>> 7;
        random ^= random << 17;
        return Math.floorMod(random, bound);
    }

    private static void fillPattern(MemorySegment buf, long offset, int pass) {
        long seed = (offset << 20) ^ ((long) pass << 48) ^ 0x5DEECE66DL;
        for (long i = 0; i < buf.byteSize(); i += 8) {
            buf.set(ValueLayout.JAVA_LONG, i, seed + i);
        }
    }

    @Override
    public String name() {
        return "bdevperf:" + bdev.name();
    }
}
