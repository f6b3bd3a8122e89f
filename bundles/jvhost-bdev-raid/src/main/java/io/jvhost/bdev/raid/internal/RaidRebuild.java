package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BaseClaim;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a raid1's data onto a base added to a degraded mirror ({@code bdev_raid_add_base_bdev}), one
 * window at a time, as a poller on one reactor while the raid serves. For each window every channel of
 * the raid first holds new writes to it and lets those in flight finish; then the window is read from a
 * mirror in sync (the next one if a read fails) and written to the new base, and the channels are told
 * the next window. Writes outside the window reach the new base as they come, since the raid sends it
 * every write from the moment it is added: once the last window is written it holds everything and the
 * channels read from it too.
 */
final class RaidRebuild implements Poller, BdevIo.Completion {
    private static final Logger LOG = LoggerFactory.getLogger(RaidRebuild.class);
    /** Bytes copied per window (SPDK's default process window). */
    static final long WINDOW_BYTES = 1 << 20;

    private enum Step {
        OPEN, QUIESCE, QUIESCING, READING, READ_DONE, WRITING, WRITE_DONE, CLOSE, DONE
    }

    /** The raid's side: which channels to tell about a window, and what to do at the end. */
    interface Raid {
        /** Makes [start, end) the window new channels hold writes to; returns the channels to quiesce. */
        java.util.List<RaidBdev.Channel> holdWindow(long start, long end);

        /** The rebuild stopped, with the base rebuilt or not. Any thread. */
        void rebuildEnded(RaidRebuild rebuild, boolean rebuilt);
    }

    final int target;
    final String targetName;
    private final Raid raid;
    private final String raidName;
    private final BaseClaim[] sources;
    private final BaseClaim targetClaim;
    private final Reactor reactor;
    private final long blocks;
    private final int blockSize;
    private final long windowBlocks;
    private final BdevIo io = new BdevIo(1);
    private final AtomicInteger acks = new AtomicInteger();
    /** Completes with whether the base was rebuilt, once the rebuild's own channels are closed. */
    final CompletableFuture<Boolean> finished = new CompletableFuture<>();
    private IoChannel[] sourceChannels;
    private IoChannel targetChannel;
    private Arena arena;
    private MemorySegment buffer;
    private Step step = Step.OPEN;
    private long at;
    private long length;
    private int source;
    private int status;
    private boolean rebuilt;
    private volatile long copied;
    private volatile boolean cancelled;

    /**
     * @param sources the claims of the mirrors in sync, tried in this order
     * @param blocks the blocks of each base the raid uses
     */
    RaidRebuild(Raid raid, String raidName, int target, String targetName, BaseClaim targetClaim, BaseClaim[] sources,
            Reactor reactor, long blocks, int blockSize) {
        this.raid = raid;
        this.raidName = raidName;
        this.target = target;
        this.targetName = targetName;
        this.targetClaim = targetClaim;
        this.sources = sources;
        this.reactor = reactor;
        this.blocks = blocks;
        this.blockSize = blockSize;
        this.windowBlocks = Math.max(1, Math.min(blocks, WINDOW_BYTES / blockSize));
    }

    /** Starts on the reactor. */
    void start() {
        reactor.execute(() -> reactor.addPoller(this));
    }

    /** Stops at the next window; {@link #finished} completes with false. Any thread. */
    void cancel() {
        cancelled = true;
    }

    /** Blocks copied so far. */
    long copiedBlocks() {
        return copied;
    }

    long blocks() {
        return blocks;
    }

    @Override
    public int doWork() {
        if (cancelled && step != Step.READING && step != Step.WRITING && step != Step.CLOSE && step != Step.DONE) {
            step = Step.CLOSE;
        }
        switch (step) {
            case OPEN -> open();
            case QUIESCE -> quiesceNext();
            case QUIESCING -> {
                if (acks.get() > 0) {
                    return 0;
                }
                source = 0;
                read();
            }
            case READ_DONE -> readDone();
            case WRITE_DONE -> writeDone();
            case CLOSE -> close();
            default -> {
                return 0; // READING, WRITING: the completion moves on; DONE: removed
            }
        }
        return 1;
    }

    private void open() {
        IoChannel[] opened = new IoChannel[sources.length + 1];
        int n = 0;
        try {
            for (; n < sources.length; n++) {
                opened[n] = sources[n].descriptor().channel(reactor);
            }
            opened[n++] = targetClaim.descriptor().channel(reactor);
        } catch (RuntimeException e) { // a base went while the rebuild started: its removal cancels us too
            LOG.warn("raid {}: rebuild of {} could not start: {}", raidName, targetName, e.getMessage());
            for (int i = 0; i < n; i++) {
                opened[i].close();
            }
            step = Step.CLOSE;
            return;
        }
        sourceChannels = java.util.Arrays.copyOf(opened, sources.length);
        targetChannel = opened[sources.length];
        arena = Arena.ofShared();
        buffer = arena.allocate(windowBlocks * blockSize, 4096);
        LOG.info("raid {}: rebuilding {} from {} mirror(s), {} blocks in windows of {}", raidName, targetName,
                sources.length, blocks, windowBlocks);
        step = Step.QUIESCE;
    }

    private void quiesceNext() {
        if (at >= blocks) {
            rebuilt = true;
            step = Step.CLOSE;
            return;
        }
        length = Math.min(windowBlocks, blocks - at);
        java.util.List<RaidBdev.Channel> users = raid.holdWindow(at, at + length);
        acks.set(users.size() + 1);
        step = Step.QUIESCING;
        long start = at;
        long end = at + length;
        for (RaidBdev.Channel c : users) {
            try {
                c.reactor().execute(() -> c.channel().quiesce(start, end, acks::decrementAndGet));
            } catch (IllegalStateException e) {
                acks.decrementAndGet(); // the reactor stopped: its channel is gone with it
            }
        }
        acks.decrementAndGet();
    }

    private void read() {
        io.set(IoType.READ, at, length, this);
        io.addSegment(buffer, 0, length * blockSize);
        step = Step.READING;
        sourceChannels[source].submit(io);
    }

    private void readDone() {
        if (status != BdevIo.SUCCESS) {
            LOG.warn("raid {}: rebuild of {}: reading blocks {}+{} from {} failed ({})", raidName, targetName, at,
                    length, sources[source].bdev().name(), BdevIo.statusName(status));
            if (++source < sourceChannels.length) {
                read();
                return;
            }
            LOG.error("raid {}: rebuild of {} stopped: no mirror could give blocks {}+{}", raidName, targetName, at,
                    length);
            step = Step.CLOSE;
            return;
        }
        io.set(IoType.WRITE, at, length, this);
        io.addSegment(buffer, 0, length * blockSize);
        step = Step.WRITING;
        targetChannel.submit(io);
    }

    private void writeDone() {
        if (status != BdevIo.SUCCESS) {
            LOG.error("raid {}: rebuild of {} stopped: writing blocks {}+{} failed ({})", raidName, targetName, at,
                    length, BdevIo.statusName(status));
            step = Step.CLOSE;
            return;
        }
        at += length;
        copied = at;
        step = Step.QUIESCE;
    }

    @Override
    public void ioCompleted(BdevIo done, int status) {
        done.clearSegments();
        this.status = status;
        step = step == Step.READING ? Step.READ_DONE : Step.WRITE_DONE; // moved on from doWork
    }

    /** Closes the rebuild's channels from doWork (never inside their completions) and reports the end. */
    private void close() {
        step = Step.DONE;
        if (sourceChannels != null) {
            for (IoChannel c : sourceChannels) {
                c.close();
            }
            targetChannel.close();
            arena.close();
        }
        reactor.removePoller(this);
        if (rebuilt) {
            LOG.info("raid {}: {} is rebuilt; the mirror is whole again", raidName, targetName);
        }
        raid.rebuildEnded(this, rebuilt);
        finished.complete(rebuilt);
    }

    /** Sleeps only while a base works on the window (its completion wakes the reactor); acks come unsignalled. */
    @Override
    public boolean prepareToSleep() {
        return step == Step.DONE || step == Step.READING || step == Step.WRITING;
    }

    @Override
    public String name() {
        return "raid-rebuild-" + raidName;
    }
}
