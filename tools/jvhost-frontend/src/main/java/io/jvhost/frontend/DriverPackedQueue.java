package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U16_ATOMIC;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import io.jvhost.posix.EventFd;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The driver side of a packed virtqueue (virtio 1.2 section 2.8) as a guest kernel runs it: chains
 * are written in ring order with AVAIL/USED bits from the wrap counter; the first descriptor of a
 * batch gets its flags last with a release store; used entries are found by their flags.
 */
public final class DriverPackedQueue implements DriverRing {
    private static final int F_NEXT = 1, F_WRITE = 2, F_AVAIL = 1 << 7, F_USED = 1 << 15;
    private static final int EVENT_DISABLE = 1;
    private final int maxChain;

    private final int index;
    private final int size;
    private final MemorySegment ram;
    private final long descGpa, driverGpa, deviceGpa;
    private final long descOff, deviceOff;
    private final EventFd kick = EventFd.create();
    private final EventFd call = EventFd.create();
    private final int[] chainLength;
    private int nextAvail;
    private boolean availWrap = true;
    private int nextUsed;
    private boolean usedWrap = true;
    private long batchFirstAt = -1;
    private short batchFirstFlags;
    private long kicks;
    private long calls;

    public DriverPackedQueue(GuestRam ram, int index, int size) {
        this(ram, index, size, DriverQueue.DEFAULT_MAX_CHAIN);
    }

    /** A packed ring of {@code size} entries whose requests use up to {@code maxChain} buffers. */
    public DriverPackedQueue(GuestRam ram, int index, int size, int maxChain) {
        this.maxChain = maxChain;
        if (size < maxChain || size > 32768) {
            throw new IllegalArgumentException("packed queue size " + size + " is not between 3 and 32768");
        }
        this.index = index;
        this.size = size;
        this.ram = ram.memory();
        this.descGpa = ram.allocate(16L * size, 4096);
        this.driverGpa = ram.allocate(4, 64);
        this.deviceGpa = ram.allocate(4, 64);
        this.descOff = ram.offset(descGpa);
        this.deviceOff = ram.offset(deviceGpa);
        this.ram.asSlice(descOff, 16L * size).fill((byte) 0);
        this.ram.asSlice(ram.offset(driverGpa), 4).fill((byte) 0);
        this.ram.asSlice(deviceOff, 4).fill((byte) 0);
        this.chainLength = new int[size];
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int maxChain() {
        return maxChain;
    }

    @Override
    public void add(int id, long[] gpa, int[] length, boolean[] deviceWrites, int n) {
        if (n < 1 || n > maxChain || id >= size) {
            throw new IllegalArgumentException("request " + id + " of " + n + " buffers does not fit a " + size
                    + "-entry queue");
        }
        chainLength[id] = n;
        for (int i = 0; i < n; i++) {
            long at = descOff + 16L * nextAvail;
            ram.set(U64, at, gpa[i]);
            ram.set(U32, at + 8, length[i]);
            ram.set(U16, at + 12, (short) id);
            short flags = (short) ((deviceWrites[i] ? F_WRITE : 0) | (i < n - 1 ? F_NEXT : 0)
                    | (availWrap ? F_AVAIL : F_USED));
            if (batchFirstAt < 0) {
                batchFirstAt = at;
                batchFirstFlags = flags;
            } else {
                ram.set(U16, at + 14, flags);
            }
            if (++nextAvail == size) {
                nextAvail = 0;
                availWrap = !availWrap;
            }
        }
    }

    @Override
    public boolean publish() {
        if (batchFirstAt < 0) {
            return false;
        }
        U16_ATOMIC.setRelease(ram, batchFirstAt + 14, batchFirstFlags);
        batchFirstAt = -1;
        VarHandle.fullFence();
        boolean notify = ((short) U16_ATOMIC.getVolatile(ram, deviceOff + 2) & 3) != EVENT_DISABLE;
        if (notify) {
            kick.signal();
            kicks++;
        }
        return notify;
    }

    @Override
    public int reap(Used used) {
        int n = 0;
        while (true) {
            long at = descOff + 16L * nextUsed;
            int flags = (short) U16_ATOMIC.getAcquire(ram, at + 14) & 0xFFFF;
            if (((flags & F_AVAIL) != 0) != usedWrap || ((flags & F_USED) != 0) != usedWrap) {
                return n;
            }
            int id = ram.get(U16, at + 12) & 0xFFFF;
            int len = ram.get(U32, at + 8);
            if (id >= size || chainLength[id] == 0) {
                throw new IllegalStateException("queue " + index + ": device returned id " + id + " that is not in flight");
            }
            nextUsed += chainLength[id];
            chainLength[id] = 0;
            if (nextUsed >= size) {
                nextUsed -= size;
                usedWrap = !usedWrap;
            }
            used.used(id, len);
            n++;
        }
    }

    @Override
    public long descGpa() {
        return descGpa;
    }

    @Override
    public long driverAreaGpa() {
        return driverGpa;
    }

    @Override
    public long deviceAreaGpa() {
        return deviceGpa;
    }

    /** Both wrap counters start at 1 (bits 15 and 31). */
    @Override
    public int initialBase() {
        return 0x80008000;
    }

    @Override
    public EventFd kickFd() {
        return kick;
    }

    @Override
    public EventFd callFd() {
        return call;
    }

    @Override
    public long kicks() {
        return kicks;
    }

    @Override
    public long calls() {
        calls += call.drain();
        return calls;
    }

    @Override
    public void close() {
        kick.close();
        call.close();
    }
}
