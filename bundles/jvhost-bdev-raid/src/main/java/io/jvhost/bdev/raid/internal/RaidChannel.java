package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevIoQueue;
import io.jvhost.bdev.spi.ModuleChannel;
import java.util.Arrays;

/**
 * A raid bdev's channel on one reactor: cuts each request into pieces for the bases (raid0 and concat at
 * strip and base boundaries, raid1 one per mirror for writes and one for a read) and reports the request
 * when its last piece is back: failed if any piece failed, but for a raid1 write, which stands when one
 * copy was written (a mirror that failed it leaves the raid). A piece that is the whole request reads its
 * scatter-gather list in place; a piece of it gets the matching slice of the segments (no data copy).
 * A raid1 read that fails is tried on the next mirror. Children and request contexts are pooled; the pools
 * grow only when a request needs more than they ever held, so steady state allocates nothing.
 *
 * <p>While a raid1 rebuilds a base, that base takes every write but no reads, and writes to the window
 * the rebuild is copying are held here until it moves on ({@link #quiesce}): the copy never races a
 * guest's write to the same blocks.
 */
final class RaidChannel implements ModuleChannel, BdevIo.Completion {
    private static final int DEPTH = 1024;
    private static final int CHILD_SEGMENTS = 4;

    private final RaidLevel level;
    private final StripeMap map;
    private final IoChannel[] bases;
    private final long[] baseBlocks;
    private final int blockSize;
    /** False once a base failed: no new pieces go to it; it is closed when its last piece is back. */
    private final boolean[] usable;
    /** Bases reads may go to: the usable ones but a base being rebuilt. */
    private final boolean[] readable;
    private final int[] inFlight;
    private final Runnable[] onDrained;
    private final Runnable onClose;
    /** Told the index of a mirror that failed a write (once per failed piece; the raid drops it once). */
    private final java.util.function.IntConsumer onBaseFailed;
    private BdevIo[] children;
    private int freeChildren;
    private final RaidRequest[] requests = new RaidRequest[DEPTH];
    private int freeRequests = DEPTH;
    /** Every request context, free or not, for finding writes in flight to a rebuild window. */
    private final RaidRequest[] allRequests = new RaidRequest[DEPTH];
    /** Writes held while a rebuild copies the blocks they touch: [holdStart, holdEnd). */
    private final BdevIoQueue held = new BdevIoQueue();
    private int heldCount;
    private long holdStart;
    private long holdEnd;
    /** Runs once no write to the hold window is in flight here; null when the rebuild waits for nothing. */
    private Runnable quiesced;
    private final BdevIoQueue done = new BdevIoQueue();
    private Completer completer;
    /** Bases dropped whose channels wait for their last pieces before closing. */
    private int dropping;
    private int nextRead;
    private boolean closed;

    /**
     * @param bases each base's channel on this reactor, null for a base that failed before this channel
     * @param baseBlocks the blocks of each base the raid uses (for flushes sent to every base)
     * @param blockSize the raid's block size, the same as every base's
     * @param onClose runs when the channel closed
     * @param onBaseFailed told a mirror that failed a write, on this channel's reactor
     */
    RaidChannel(RaidLevel level, StripeMap map, IoChannel[] bases, long[] baseBlocks, int blockSize, Runnable onClose,
            java.util.function.IntConsumer onBaseFailed) {
        this.level = level;
        this.blockSize = blockSize;
        this.map = map;
        this.bases = bases;
        this.baseBlocks = baseBlocks;
        this.onClose = onClose;
        this.onBaseFailed = onBaseFailed;
        this.usable = new boolean[bases.length];
        this.readable = new boolean[bases.length];
        for (int i = 0; i < bases.length; i++) {
            usable[i] = bases[i] != null;
            readable[i] = usable[i];
        }
        this.inFlight = new int[bases.length];
        this.onDrained = new Runnable[bases.length];
        this.children = new BdevIo[DEPTH];
        for (int i = 0; i < DEPTH; i++) {
            children[i] = new BdevIo(CHILD_SEGMENTS);
        }
        this.freeChildren = DEPTH;
        for (int i = 0; i < DEPTH; i++) {
            requests[i] = new RaidRequest();
            allRequests[i] = requests[i];
        }
    }

    @Override
    public void bind(Completer c) {
        this.completer = c;
    }

    @Override
    public boolean submit(BdevIo io) {
        if (freeRequests == 0) {
            return false;
        }
        if (io.type() == IoType.FLUSH) {
            return toEveryBase(io, true);
        }
        if (level == RaidLevel.RAID1) {
            if (io.type() == IoType.READ) {
                return readMirror(io);
            }
            if (holdEnd > holdStart && inHoldWindow(io)) {
                held.add(io);
                heldCount++;
                return true;
            }
            return toEveryBase(io, false);
        }
        return striped(io);
    }

    private boolean inHoldWindow(BdevIo io) {
        return io.offsetBlocks() < holdEnd && io.offsetBlocks() + io.numBlocks() > holdStart;
    }

    /** A raid1 read goes to one mirror, the next usable one in turn. */
    private boolean readMirror(BdevIo io) {
        int base = nextReadable(nextRead);
        if (base < 0) {
            finish(io, BdevIo.REMOVED);
            return true;
        }
        if (freeChildren == 0) {
            return false;
        }
        nextRead = base + 1 == bases.length ? 0 : base + 1;
        RaidRequest r = takeRequest(io, 1);
        BdevIo child = takeChild();
        child.set(io.type(), io.offsetBlocks(), io.numBlocks(), this);
        child.useSegments(io.segments());
        send(child, r, base);
        return true;
    }

    /** raid1 writes, unmaps and write-zeroes, and every level's flush: the same request to each usable base. */
    private boolean toEveryBase(BdevIo io, boolean flush) {
        int targets = 0;
        for (boolean u : usable) {
            targets += u ? 1 : 0;
        }
        if (targets == 0) {
            finish(io, BdevIo.REMOVED);
            return true;
        }
        if (freeChildren < targets && !growFor(targets)) {
            return false;
        }
        RaidRequest r = takeRequest(io, targets);
        for (int i = 0; i < bases.length; i++) {
            if (usable[i]) {
                BdevIo child = takeChild();
                if (flush) {
                    child.set(IoType.FLUSH, 0, baseBlocks[i], this);
                } else {
                    child.set(io.type(), io.offsetBlocks(), io.numBlocks(), this);
                    if (io.type().hasData()) {
                        child.useSegments(io.segments());
                    }
                }
                send(child, r, i);
            }
        }
        return true;
    }

    /** raid0 and concat: one piece per run of blocks on one base. */
    private boolean striped(BdevIo io) {
        long offset = io.offsetBlocks();
        long end = offset + io.numBlocks();
        int pieces = 0;
        for (long at = offset; at < end; at += map.runBlocks(at, end - at)) {
            if (!usable[map.base(at)]) {
                finish(io, BdevIo.REMOVED);
                return true;
            }
            pieces++;
        }
        if (freeChildren < pieces && !growFor(pieces)) {
            return false;
        }
        RaidRequest r = takeRequest(io, pieces);
        boolean data = io.type().hasData();
        for (long at = offset; at < end; ) {
            long run = map.runBlocks(at, end - at);
            int base = map.base(at);
            BdevIo child = takeChild();
            if (data && pieces > 1) {
                long from = (at - offset) * blockSize;
                long length = run * blockSize;
                int segments = SgSlices.segments(io, from, length);
                if (segments > child.maxSegments()) {
                    child = new BdevIo(Math.max(segments, 2 * child.maxSegments())); // once, for a longer list
                }
                child.set(io.type(), map.baseOffset(at), run, this);
                SgSlices.slice(io, from, length, child);
            } else {
                child.set(io.type(), map.baseOffset(at), run, this);
                if (data) {
                    child.useSegments(io.segments());
                }
            }
            send(child, r, base);
            at += run;
        }
        return true;
    }

    private void send(BdevIo child, RaidRequest r, int base) {
        child.context = r;
        child.tag = base; // moduleSlot belongs to the base's core and module while the child is out
        inFlight[base]++;
        bases[base].submit(child);
    }

    @Override
    public void ioCompleted(BdevIo child, int status) {
        RaidRequest r = (RaidRequest) child.context;
        int base = (int) child.tag;
        inFlight[base]--;
        if (status != BdevIo.SUCCESS && level == RaidLevel.RAID1 && child.type() == IoType.READ
                && ++r.tries < bases.length) {
            int other = nextReadable(base + 1 == bases.length ? 0 : base + 1);
            if (other >= 0 && other != base) {
                send(child, r, other);
                return;
            }
        }
        child.context = null;
        child.clearSegments();
        children[freeChildren++] = child;
        boolean mirrored = level == RaidLevel.RAID1 && child.type() != IoType.READ;
        if (status == BdevIo.SUCCESS) {
            r.succeeded++;
        } else {
            if (r.status == BdevIo.SUCCESS) {
                r.status = status;
            }
            if (mirrored) {
                // A mirror that missed a write is out of sync: it leaves the raid (SPDK's raid1 fails the base
                // too) and the copies on the others stand for the request. A removed one (it went before this
                // channel heard) is dropped by its removal.
                usable[base] = false;
                readable[base] = false;
                if (status != BdevIo.REMOVED) {
                    onBaseFailed.accept(base);
                }
            }
        }
        if (--r.pending == 0) {
            BdevIo parent = r.parent;
            r.parent = null;
            requests[freeRequests++] = r;
            finish(parent, mirrored && r.succeeded > 0 ? BdevIo.SUCCESS : r.status);
        }
    }

    /**
     * Stops using base {@code i} (it failed or is being removed); {@code drained} runs once its pieces in
     * flight are back and its channel is closed. Reactor thread only.
     */
    void dropBase(int i, Runnable drained) {
        usable[i] = false;
        readable[i] = false;
        if (bases[i] == null) {
            drained.run();
            return;
        }
        onDrained[i] = drained;
        dropping++;
        closeDrainedBases();
    }

    /**
     * Closes the channels of dropped bases whose pieces are all back. Run from {@link #doWork()}, never
     * from a base's completion: a base channel must not be closed while it is reporting to us.
     */
    private void closeDrainedBases() {
        for (int i = 0; i < bases.length && dropping > 0; i++) {
            if (onDrained[i] != null && inFlight[i] == 0) {
                bases[i].close();
                bases[i] = null;
                Runnable d = onDrained[i];
                onDrained[i] = null;
                dropping--;
                d.run();
            }
        }
    }

    private int nextReadable(int from) {
        for (int k = 0; k < bases.length; k++) {
            int i = (from + k) % bases.length;
            if (readable[i]) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Before first use, for a channel created while slot {@code i} is rebuilt: the base there takes writes
     * only, and writes to the window being copied, [{@code start}, {@code end}), are held.
     */
    void startWriteOnly(int i, long start, long end) {
        readable[i] = false;
        holdStart = start;
        holdEnd = end;
    }

    /**
     * A base was added to slot {@code i} for a rebuild: it takes writes from now on, reads only after
     * {@link #rebuildEnded}. Reactor thread only.
     */
    void attachBase(int i, IoChannel base) {
        bases[i] = base;
        usable[i] = true;
        readable[i] = false;
    }

    /**
     * The rebuild copies [start, end) next: writes to it are held from now on, the ones held for the
     * previous window go, and {@code done} runs once no write to the new window is in flight here.
     * Reactor thread only.
     */
    void quiesce(long start, long end, Runnable done) {
        holdStart = start;
        holdEnd = end;
        if (quiesced != null) {
            quiesced.run(); // superseded: the rebuild moved on (it was cancelled)
        }
        quiesced = done;
        releaseHeld();
        checkQuiesced();
    }

    /** The rebuild of slot {@code i} ended; when it succeeded the base serves reads too. Reactor thread only. */
    void rebuildEnded(int i, boolean rebuilt) {
        holdStart = 0;
        holdEnd = 0;
        if (quiesced != null) {
            Runnable q = quiesced;
            quiesced = null;
            q.run();
        }
        if (rebuilt && usable[i]) {
            readable[i] = true;
        }
        releaseHeld();
    }

    /** Sends on the held writes that are outside the hold window now, while there is room for them. */
    private void releaseHeld() {
        for (int n = heldCount; n > 0; n--) {
            BdevIo io = held.poll();
            heldCount--;
            if ((holdEnd > holdStart && inHoldWindow(io)) || !toEveryBase(io, false)) {
                held.add(io);
                heldCount++;
            }
        }
    }

    private void checkQuiesced() {
        if (quiesced == null) {
            return;
        }
        for (RaidRequest r : allRequests) {
            BdevIo p = r.parent;
            if (p != null && p.type() != IoType.READ && p.type() != IoType.FLUSH && inHoldWindow(p)) {
                return;
            }
        }
        Runnable q = quiesced;
        quiesced = null;
        q.run();
    }

    private RaidRequest takeRequest(BdevIo io, int pieces) {
        RaidRequest r = requests[--freeRequests];
        r.start(io, pieces);
        return r;
    }

    private BdevIo takeChild() {
        return children[--freeChildren];
    }

    /**
     * A request needs {@code pieces} children at once and fewer are free. When the pool never held that
     * many it grows (once: a request larger than any before); otherwise the request waits in the core's
     * retry queue for children to come back. Returns whether enough are free now.
     */
    private boolean growFor(int pieces) {
        if (pieces > children.length) {
            int size = Math.max(children.length * 2, pieces);
            int added = size - children.length;
            BdevIo[] grown = Arrays.copyOf(children, size);
            for (int i = 0; i < added; i++) {
                grown[freeChildren++] = new BdevIo(CHILD_SEGMENTS);
            }
            children = grown;
        }
        return freeChildren >= pieces;
    }

    private void finish(BdevIo io, int status) {
        io.moduleSlot = status;
        done.add(io);
    }

    @Override
    public int doWork() {
        if (dropping > 0) {
            closeDrainedBases();
        }
        if (quiesced != null) {
            checkQuiesced();
        }
        if (heldCount > 0) {
            releaseHeld();
        }
        return done.completeAll(completer);
    }

    @Override
    public boolean prepareToSleep() {
        return done.isEmpty() && dropping == 0 && heldCount == 0 && quiesced == null;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        dropping = 0;
        if (quiesced != null) { // nothing is in flight on a closing channel (held writes included)
            Runnable q = quiesced;
            quiesced = null;
            q.run();
        }
        for (int i = 0; i < bases.length; i++) {
            if (bases[i] != null) {
                bases[i].close();
                bases[i] = null;
            }
            Runnable d = onDrained[i];
            onDrained[i] = null;
            if (d != null) {
                d.run();
            }
        }
        onClose.run();
    }
}
