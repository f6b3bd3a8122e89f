package io.jvhost.virtio;

import io.jvhost.memory.GuestMemory;
import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U16_ATOMIC;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import io.jvhost.posix.EventFd;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The device side of a packed virtqueue (virtio 1.2 section 2.8). A descriptor is available when
 * its AVAIL bit equals the device's avail wrap counter and its USED bit does not; its flags are read
 * with acquire ordering before the rest. Used entries overwrite descriptors in ring order; the first
 * entry of a batch gets its flags last, with a release store, so the driver sees the batch at once.
 */
public final class PackedQueue implements DeviceRing {
    private static final int DESC_SIZE = 16;
    private static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4, F_AVAIL = 1 << 7, F_USED = 1 << 15;
    private static final int EVENT_ENABLE = 0, EVENT_DISABLE = 1, EVENT_DESC = 2;

    private final GuestMemory memory;
    private final int size;
    private final boolean eventIdx;
    private final MemorySegment desc;
    private final long descOff;
    private final MemorySegment driverArea;
    private final long driverOff;
    private final MemorySegment deviceArea;
    private final long deviceOff;
    /** Descriptors each in-flight buffer id occupies, so the used position skips past them. */
    private final short[] idDescriptors;
    private final boolean[] idBusy;
    private EventFd call;
    private int nextAvail;
    private boolean availWrap;
    private int nextUsed;
    private boolean usedWrap;
    private int pending;
    private long firstPendingAt;
    private short firstPendingFlags;
    private int signalledUsed;
    private boolean signalledValid;
    /** Entries were published since the last interrupt decision. */
    private boolean undecided;
    private boolean polling;

    /**
     * Binds a packed queue: the descriptor ring, the driver's event suppression area (vhost-user's
     * "avail" address) and the device's (the "used" address), all front-end virtual addresses.
     *
     * @param base the SET_VRING_BASE value: bits 0-14 next avail, 15 avail wrap, 16-30 next used, 31 used wrap
     */
    public PackedQueue(GuestMemory memory, int size, long descUaddr, long driverUaddr, long deviceUaddr, int base,
            boolean eventIdx, EventFd call) {
        if (size < 1 || size > 32768) {
            throw new IllegalArgumentException("packed queue size " + size + " is not between 1 and 32768");
        }
        this.memory = memory;
        this.size = size;
        this.eventIdx = eventIdx;
        this.call = call;
        long[] areas = RingAreas.packed(size, descUaddr, driverUaddr, deviceUaddr).translate(memory);
        long d = areas[0], drv = areas[1], dev = areas[2];
        desc = memory.segment(d);
        descOff = GuestMemory.offset(d);
        driverArea = memory.segment(drv);
        driverOff = GuestMemory.offset(drv);
        deviceArea = memory.segment(dev);
        deviceOff = GuestMemory.offset(dev);
        nextAvail = base & 0x7FFF;
        availWrap = (base & 0x8000) != 0;
        nextUsed = (base >>> 16) & 0x7FFF;
        usedWrap = (base & 0x80000000) != 0;
        if (nextAvail >= size || nextUsed >= size) {
            throw new IllegalArgumentException("ring base 0x" + Integer.toHexString(base) + " is beyond the ring size "
                    + size);
        }
        idDescriptors = new short[size];
        idBusy = new boolean[size];
    }

    @Override
    public int size() {
        return size;
    }

    private boolean isAvailable(int flags, boolean wrap) {
        return ((flags & F_AVAIL) != 0) == wrap && ((flags & F_USED) != 0) != wrap;
    }

    @Override
    public int next(DescriptorChain chain) {
        long at = descOff + (long) DESC_SIZE * nextAvail;
        int flags = (short) U16_ATOMIC.getAcquire(desc, at + 14) & 0xFFFF;
        if (!isAvailable(flags, availWrap)) {
            return NONE;
        }
        chain.reset(0);
        int idx = nextAvail;
        boolean wrap = availWrap;
        int count = 0;
        int id;
        while (true) {
            at = descOff + (long) DESC_SIZE * idx;
            long addr = desc.get(U64, at);
            long len = Integer.toUnsignedLong(desc.get(U32, at + 8));
            id = desc.get(U16, at + 12) & 0xFFFF;
            if (count > 0) {
                flags = desc.get(U16, at + 14) & 0xFFFF;
            }
            if (++count > size) {
                return DescriptorChain.ERR_LOOP;
            }
            int r;
            if ((flags & F_INDIRECT) != 0) {
                r = (count > 1 || (flags & F_NEXT) != 0) ? DescriptorChain.ERR_INDIRECT : readIndirect(chain, addr, len);
            } else {
                r = len == 0 ? DescriptorChain.OK : chain.addGuest(memory, addr, len, (flags & F_WRITE) != 0);
            }
            if (r != DescriptorChain.OK) {
                return r;
            }
            if (++idx == size) {
                idx = 0;
                wrap = !wrap;
            }
            if ((flags & F_NEXT) == 0) {
                break;
            }
        }
        if (id >= size || idBusy[id]) {
            return DescriptorChain.ERR_ID;
        }
        idBusy[id] = true;
        idDescriptors[id] = (short) count;
        nextAvail = idx;
        availWrap = wrap;
        chain.head(id);
        return DescriptorChain.OK;
    }

    /** Walks an indirect table: consecutive packed-layout descriptors, no nesting. */
    private int readIndirect(DescriptorChain chain, long addr, long len) {
        if (len == 0 || (len & (DESC_SIZE - 1)) != 0) {
            return DescriptorChain.ERR_INDIRECT;
        }
        long h = memory.translate(addr, len);
        if (h < 0) {
            return DescriptorChain.ERR_ADDRESS;
        }
        MemorySegment table = memory.segment(h);
        long base = GuestMemory.offset(h);
        long n = len / DESC_SIZE;
        for (long i = 0; i < n; i++) {
            long at = base + DESC_SIZE * i;
            int flags = table.get(U16, at + 14) & 0xFFFF;
            if ((flags & F_INDIRECT) != 0) {
                return DescriptorChain.ERR_NESTED_INDIRECT;
            }
            long bytes = Integer.toUnsignedLong(table.get(U32, at + 8));
            if (bytes == 0) {
                continue;
            }
            int r = chain.addGuest(memory, table.get(U64, at), bytes, (flags & F_WRITE) != 0);
            if (r != DescriptorChain.OK) {
                return r;
            }
        }
        return DescriptorChain.OK;
    }

    @Override
    public void pushUsed(int id, int writtenBytes) {
        long at = descOff + (long) DESC_SIZE * nextUsed;
        desc.set(U32, at + 8, writtenBytes);
        desc.set(U16, at + 12, (short) id);
        short flags = (short) (usedWrap ? F_AVAIL | F_USED : 0);
        if (pending++ == 0) {
            firstPendingAt = at;
            firstPendingFlags = flags;
        } else {
            desc.set(U16, at + 14, flags);
        }
        nextUsed += idDescriptors[id];
        if (nextUsed >= size) {
            nextUsed -= size;
            usedWrap = !usedWrap;
        }
        idBusy[id] = false;
    }

    @Override
    public boolean hasUnpublished() {
        return pending != 0;
    }

    @Override
    public boolean publishUsed() {
        if (pending == 0) {
            return false;
        }
        publishUsedQuietly();
        return notifyIfNeeded();
    }

    @Override
    public void publishUsedQuietly() {
        if (pending != 0) {
            // the first entry's flags last: the driver sees the whole batch at once
            U16_ATOMIC.setRelease(desc, firstPendingAt + 14, firstPendingFlags);
            pending = 0;
            undecided = true;
        }
    }

    @Override
    public boolean notifyIfNeeded() {
        if (!undecided) {
            return false;
        }
        undecided = false;
        VarHandle.fullFence();
        int old = signalledUsed;
        boolean valid = signalledValid;
        signalledUsed = nextUsed;
        signalledValid = true;
        int eventFlags = ((short) U16_ATOMIC.getVolatile(driverArea, driverOff + 2) & 0xFFFF) & 3;
        boolean notify;
        if (eventFlags == EVENT_DISABLE) {
            notify = false;
        } else if (eventFlags == EVENT_DESC && eventIdx && valid) {
            int offWrap = (short) U16_ATOMIC.getVolatile(driverArea, driverOff) & 0xFFFF;
            int off = offWrap & 0x7FFF;
            if (((offWrap >>> 15) != 0) != usedWrap) {
                off -= size;
            }
            notify = ((nextUsed - off - 1) & 0xFFFF) < ((nextUsed - old) & 0xFFFF);
        } else {
            notify = true;
        }
        if (notify && call != null) {
            call.signal();
        }
        return notify;
    }

    @Override
    public void suppressKicks() {
        if (!polling) {
            polling = true;
            U16_ATOMIC.setRelease(deviceArea, deviceOff + 2, (short) EVENT_DISABLE);
        }
    }

    @Override
    public boolean enableKicksAndRecheck() {
        polling = false;
        U16_ATOMIC.setVolatile(deviceArea, deviceOff + 2, (short) EVENT_ENABLE);
        VarHandle.fullFence();
        int flags = (short) U16_ATOMIC.getVolatile(desc, descOff + (long) DESC_SIZE * nextAvail + 14) & 0xFFFF;
        return isAvailable(flags, availWrap);
    }

    @Override
    public boolean isPolling() {
        return polling;
    }

    @Override
    public void setCall(EventFd call) {
        this.call = call;
    }

    @Override
    public void interrupt() {
        if (call != null) {
            call.signal();
        }
    }

    @Override
    public int state() {
        return nextAvail | (availWrap ? 0x8000 : 0) | (nextUsed << 16) | (usedWrap ? 0x80000000 : 0);
    }
}
