package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U16_ATOMIC;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import io.jvhost.posix.EventFd;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The driver side of a split virtqueue in {@link GuestRam}, as a guest kernel runs it: writes
 * descriptors, publishes heads with a release store of avail->idx, kicks only when the device asks
 * (used->flags or avail_event with EVENT_IDX), and reaps the used ring. One thread uses it.
 */
public final class DriverQueue implements DriverRing {
    /** Descriptors reserved per request when nobody says otherwise (virtio-blk: header, data, status). */
    static final int DEFAULT_MAX_CHAIN = 3;
    private final int maxChain;
    public static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;

    private final int index;
    private final int size;
    private final boolean eventIdx;
    private final MemorySegment ram;
    private final long descGpa, availGpa, usedGpa;
    private final long descOff, availOff, usedOff;
    private final EventFd kick = EventFd.create();
    private final EventFd call = EventFd.create();
    private int availIdx;
    private int lastKickedIdx;
    private int lastUsed;
    private long kicks;
    private long calls;

    /** Allocates the rings of a {@code size}-entry queue in {@code ram}. */
    public DriverQueue(GuestRam ram, int index, int size, boolean eventIdx) {
        this(ram, index, size, eventIdx, DEFAULT_MAX_CHAIN);
    }

    /** Allocates the rings of a {@code size}-entry queue whose requests use up to {@code maxChain} buffers. */
    public DriverQueue(GuestRam ram, int index, int size, boolean eventIdx, int maxChain) {
        this.maxChain = maxChain;
        if (Integer.bitCount(size) != 1 || size > 32768) {
            throw new IllegalArgumentException("queue size " + size + " is not a power of two up to 32768");
        }
        this.index = index;
        this.size = size;
        this.eventIdx = eventIdx;
        this.ram = ram.memory();
        this.descGpa = ram.allocate(16L * size, 4096);
        this.availGpa = ram.allocate(6 + 2L * size, 64);
        this.usedGpa = ram.allocate(6 + 8L * size, 4096);
        this.descOff = ram.offset(descGpa);
        this.availOff = ram.offset(availGpa);
        this.usedOff = ram.offset(usedGpa);
        this.ram.asSlice(descOff, 16L * size).fill((byte) 0);
        this.ram.asSlice(availOff, 6 + 2L * size).fill((byte) 0);
        this.ram.asSlice(usedOff, 6 + 8L * size).fill((byte) 0);
    }

    @Override
    public int maxChain() {
        return maxChain;
    }

    /** Split rings: request {@code id} uses descriptors {@code id * maxChain()} onwards, head first. */
    @Override
    public void add(int id, long[] gpa, int[] length, boolean[] deviceWrites, int n) {
        if (n < 1 || n > maxChain || (id + 1) * maxChain > size) {
            throw new IllegalArgumentException("request " + id + " of " + n + " buffers does not fit a " + size
                    + "-entry queue");
        }
        int head = id * maxChain;
        for (int i = 0; i < n; i++) {
            int flags = (deviceWrites[i] ? F_WRITE : 0) | (i < n - 1 ? F_NEXT : 0);
            descriptor(head + i, gpa[i], length[i], flags, head + i + 1);
        }
        offer(head);
    }

    @Override
    public int reap(Used used) {
        int n = usedAvailable();
        for (int i = 0; i < n; i++) {
            int head = usedHead();
            int len = usedLength();
            advanceUsed();
            if (head % maxChain != 0) {
                throw new IllegalStateException("queue " + index + ": device returned head " + head
                        + ", which starts no request");
            }
            used.used(head / maxChain, len);
        }
        return n;
    }

    @Override
    public long driverAreaGpa() {
        return availGpa;
    }

    @Override
    public long deviceAreaGpa() {
        return usedGpa;
    }

    @Override
    public int initialBase() {
        return 0;
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
    public long descGpa() {
        return descGpa;
    }

    public long availGpa() {
        return availGpa;
    }

    public long usedGpa() {
        return usedGpa;
    }

    @Override
    public EventFd kickFd() {
        return kick;
    }

    @Override
    public EventFd callFd() {
        return call;
    }

    /** Writes descriptor {@code i}. */
    public void descriptor(int i, long gpa, int len, int flags, int next) {
        long at = descOff + 16L * i;
        ram.set(U64, at, gpa);
        ram.set(U32, at + 8, len);
        ram.set(U16, at + 12, (short) flags);
        ram.set(U16, at + 14, (short) next);
    }

    /** Puts {@code head} in the available ring; visible to the device after {@link #publish()}. */
    public void offer(int head) {
        ram.set(U16, availOff + 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xFFFF;
    }

    /** Sets avail->idx to any value (hostile-driver tests). */
    public void forceAvailIdx(int idx) {
        availIdx = idx & 0xFFFF;
        U16_ATOMIC.setRelease(ram, availOff + 2, (short) availIdx);
    }

    /**
     * Publishes offered heads (release store of avail->idx), then, after a full fence, kicks the
     * device if it asked to be notified. Returns true when it kicked.
     */
    @Override
    public boolean publish() {
        U16_ATOMIC.setRelease(ram, availOff + 2, (short) availIdx);
        VarHandle.fullFence();
        boolean notify;
        if (eventIdx) {
            int availEvent = (short) U16_ATOMIC.getVolatile(ram, usedOff + 4 + 8L * size) & 0xFFFF;
            notify = ((availIdx - availEvent - 1) & 0xFFFF) < ((availIdx - lastKickedIdx) & 0xFFFF);
        } else {
            notify = ((short) U16_ATOMIC.getVolatile(ram, usedOff) & 1) == 0;
        }
        lastKickedIdx = availIdx;
        if (notify) {
            kick.signal();
            kicks++;
        }
        return notify;
    }

    /** Kicks the device unconditionally. */
    public void kick() {
        kick.signal();
        kicks++;
    }

    /** Kicks written so far (each is a trapped write in a real VM). */
    @Override
    public long kicks() {
        return kicks;
    }

    /** Used entries the device published and the driver has not reaped (acquire read of used->idx). */
    public int usedAvailable() {
        int idx = (short) U16_ATOMIC.getAcquire(ram, usedOff + 2) & 0xFFFF;
        return (idx - lastUsed) & 0xFFFF;
    }

    /** The head of the next used entry; call {@link #usedLength()} for its length, then {@link #advanceUsed()}. */
    public int usedHead() {
        return ram.get(U32, usedOff + 4 + 8L * (lastUsed % size));
    }

    public int usedLength() {
        return ram.get(U32, usedOff + 4 + 8L * (lastUsed % size) + 4);
    }

    /** Consumes one used entry and, with EVENT_IDX, asks for an interrupt at the next one. */
    public void advanceUsed() {
        lastUsed = (lastUsed + 1) & 0xFFFF;
        if (eventIdx) {
            U16_ATOMIC.setRelease(ram, availOff + 4 + 2L * size, (short) lastUsed);
        }
    }

    /** The device's used index as last reaped. */
    public int lastUsed() {
        return lastUsed;
    }

    public int availIdx() {
        return availIdx;
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
