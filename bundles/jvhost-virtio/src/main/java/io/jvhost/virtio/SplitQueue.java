package io.jvhost.virtio;

import io.jvhost.memory.GuestMemory;
import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U16_ATOMIC;
import static io.jvhost.virtio.Layouts.U32;

import io.jvhost.posix.EventFd;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The device side of a split virtqueue in guest memory. One reactor thread uses it. The available
 * index is read with acquire ordering before entries are read; used entries are written plainly and
 * published with one release store of the used index per batch, then a full fence before the
 * driver's used_event (or flags) is read to decide on an interrupt, so no interrupt is lost. Chains
 * are walked by {@link SplitChains}; with an inflight region, {@link SplitInflight} records what is
 * taken and returned (crash recovery).
 */
public final class SplitQueue implements DeviceRing {
    private static final int USED_F_NO_NOTIFY = 1, AVAIL_F_NO_INTERRUPT = 1;

    private final int size;
    private final int mask;
    private final boolean eventIdx;
    private EventFd call;
    private final SplitChains chains;
    private final MemorySegment avail;
    private final long availOff;
    private final MemorySegment used;
    private final long usedOff;
    private int lastAvail;
    private int availIdxCache;
    private int usedIdx;
    private int publishedUsedIdx;
    /** The used index when an interrupt was last decided on (EVENT_IDX compares against it). */
    private int decidedUsedIdx;
    private boolean polling;
    /** The inflight region's part for this queue (crash recovery), or null when the front-end gave none. */
    private final SplitInflight inflight;
    /** Heads a previous process took and did not return, oldest first: served before new ones. */
    private final int[] resubmit;
    private int resubmitAt;
    /** Why the inflight region could not be used and the queue started clean, or null. */
    private final String inflightRefused;

    /**
     * Binds a queue to rings at front-end addresses (as vhost-user gives them).
     *
     * @throws IllegalArgumentException naming the ring that is misaligned or outside guest memory
     */
    public SplitQueue(GuestMemory memory, int size, long descUaddr, long availUaddr, long usedUaddr, int lastAvail,
            boolean eventIdx, EventFd call) {
        this(memory, size, descUaddr, availUaddr, usedUaddr, lastAvail, eventIdx, call, null);
    }

    /**
     * Binds a queue that tracks its requests in {@code inflightRegion} (this queue's part of the
     * vhost-user inflight region; null for none). A region that records requests a previous process
     * took and did not return sets where the queue goes on: the used index plus those requests, which
     * are served first, oldest first; {@code lastAvail} is then not used. A region that does not fit
     * the ring is formatted (or, too small to hold it, not used) and the queue starts at
     * {@code lastAvail}: {@link #inflightRefused()} says why.
     */
    public SplitQueue(GuestMemory memory, int size, long descUaddr, long availUaddr, long usedUaddr, int lastAvail,
            boolean eventIdx, EventFd call, MemorySegment inflightRegion) {
        if (size < 1 || size > 32768 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two up to 32768");
        }
        this.size = size;
        this.mask = size - 1;
        this.eventIdx = eventIdx;
        this.call = call;
        long[] areas = RingAreas.split(size, descUaddr, availUaddr, usedUaddr).translate(memory);
        long d = areas[0], a = areas[1], u = areas[2];
        chains = new SplitChains(memory, memory.segment(d), GuestMemory.offset(d), size);
        avail = memory.segment(a);
        availOff = GuestMemory.offset(a);
        used = memory.segment(u);
        usedOff = GuestMemory.offset(u);
        this.lastAvail = lastAvail & 0xFFFF;
        this.availIdxCache = this.lastAvail;
        this.usedIdx = (short) U16_ATOMIC.getAcquire(used, usedOff + 2) & 0xFFFF;
        this.publishedUsedIdx = usedIdx;
        this.decidedUsedIdx = usedIdx;
        if (inflightRegion == null) {
            this.inflight = null;
            this.resubmit = new int[0];
            this.inflightRefused = null;
            return;
        }
        int availIdx = (short) U16_ATOMIC.getAcquire(avail, availOff + 2) & 0xFFFF;
        SplitInflight.Start start = SplitInflight.start(inflightRegion, size, usedIdx, availIdx, lastAvail);
        this.inflight = start.tracker();
        this.resubmit = start.resubmit();
        this.inflightRefused = start.refused();
        this.lastAvail = start.lastAvail();
        this.availIdxCache = start.lastAvail();
    }

    /** Why the inflight region given to the constructor was not used (the queue started clean), or null. */
    public String inflightRefused() {
        return inflightRefused;
    }

    /** The inflight tracker in use, or null (tests set its crash points). */
    SplitInflight inflight() {
        return inflight;
    }

    /** How many requests of a previous process this queue serves again before new ones. */
    public int resubmitted() {
        return resubmit.length;
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * How many new heads the driver has made available (acquire read of avail->idx). A count above
     * the ring size means the driver is broken: returns -1.
     */
    private int available() {
        if (availIdxCache == lastAvail) {
            availIdxCache = (short) U16_ATOMIC.getAcquire(avail, availOff + 2) & 0xFFFF;
        }
        int n = (availIdxCache - lastAvail) & 0xFFFF;
        return n > size ? -1 : n;
    }

    @Override
    public int next(DescriptorChain chain) {
        if (resubmitAt < resubmit.length) {
            return chains.read(resubmit[resubmitAt++], chain);
        }
        int n = available();
        if (n == 0) {
            return NONE;
        }
        if (n < 0) {
            return DescriptorChain.ERR_AVAIL;
        }
        int head = takeHead();
        if (head < 0) {
            return DescriptorChain.ERR_INDEX;
        }
        if (inflight != null) {
            inflight.taken(head);
        }
        return chains.read(head, chain);
    }

    @Override
    public int state() {
        return lastAvail;
    }

    /** Takes the next available head (call only when {@link #available()} > 0); -1 if the head is invalid. */
    private int takeHead() {
        int head = avail.get(U16, availOff + 4 + 2L * (lastAvail & mask)) & 0xFFFF;
        lastAvail = (lastAvail + 1) & 0xFFFF;
        return head < size ? head : -1;
    }

    /** Records a finished request; visible to the driver at the next {@link #publishUsed()}. */
    @Override
    public void pushUsed(int head, int writtenBytes) {
        long e = usedOff + 4 + 8L * (usedIdx & mask);
        used.set(U32, e, head);
        used.set(U32, e + 4, writtenBytes);
        usedIdx = (usedIdx + 1) & 0xFFFF;
        if (inflight != null) {
            inflight.completing(head);
        }
    }

    /** True when used entries were pushed but not yet published. */
    @Override
    public boolean hasUnpublished() {
        return usedIdx != publishedUsedIdx;
    }

    /**
     * Publishes pushed entries with a release store of used->idx and interrupts the driver through
     * the call eventfd unless it suppressed that. Returns true when it signalled.
     */
    @Override
    public boolean publishUsed() {
        if (usedIdx == publishedUsedIdx) {
            return false;
        }
        publishUsedQuietly();
        return notifyIfNeeded();
    }

    @Override
    public void publishUsedQuietly() {
        if (usedIdx != publishedUsedIdx) {
            if (inflight != null) {
                inflight.beforePublish();
            }
            U16_ATOMIC.setRelease(used, usedOff + 2, (short) usedIdx);
            publishedUsedIdx = usedIdx;
            if (inflight != null) {
                inflight.afterPublish(usedIdx);
            }
        }
    }

    @Override
    public boolean notifyIfNeeded() {
        int old = decidedUsedIdx;
        if (publishedUsedIdx == old) {
            return false;
        }
        decidedUsedIdx = publishedUsedIdx;
        // the used index must be visible before the driver's wishes are read (the EVENT_IDX race)
        VarHandle.fullFence();
        boolean notify;
        if (eventIdx) {
            int usedEvent = (short) U16_ATOMIC.getVolatile(avail, availOff + 4 + 2L * size) & 0xFFFF;
            notify = ((publishedUsedIdx - usedEvent - 1) & 0xFFFF) < ((publishedUsedIdx - old) & 0xFFFF);
        } else {
            notify = ((short) U16_ATOMIC.getVolatile(avail, availOff) & AVAIL_F_NO_INTERRUPT) == 0;
        }
        if (notify && call != null) {
            call.signal();
        }
        return notify;
    }

    /**
     * Tells the driver not to kick while the device polls (used->flags NO_NOTIFY, or avail_event
     * just behind what was consumed). Call after each batch while polling.
     */
    @Override
    public void suppressKicks() {
        polling = true;
        if (eventIdx) {
            used.set(U16, usedOff + 4 + 8L * size, (short) (lastAvail - 1));
        } else {
            U16_ATOMIC.setRelease(used, usedOff, (short) USED_F_NO_NOTIFY);
        }
    }

    /**
     * Asks the driver to kick for the next request, then re-checks the ring after a full fence:
     * returns true if requests arrived meanwhile (the device must not sleep then).
     */
    @Override
    public boolean enableKicksAndRecheck() {
        polling = false;
        if (eventIdx) {
            U16_ATOMIC.setVolatile(used, usedOff + 4 + 8L * size, (short) lastAvail);
        } else {
            U16_ATOMIC.setVolatile(used, usedOff, (short) 0);
        }
        VarHandle.fullFence();
        availIdxCache = (short) U16_ATOMIC.getVolatile(avail, availOff + 2) & 0xFFFF;
        return availIdxCache != lastAvail;
    }

    /** Replaces the call eventfd (SET_VRING_CALL while running); reactor thread only. */
    @Override
    public void setCall(EventFd call) {
        this.call = call;
    }

    @Override
    public boolean isPolling() {
        return polling;
    }

    /** Signals the driver once (after a reconnect, so it re-checks the used ring). */
    @Override
    public void interrupt() {
        if (call != null) {
            call.signal();
        }
    }
}
