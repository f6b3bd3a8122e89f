package io.jvhost.jmh;

import io.jvhost.memory.GuestMemory;
import io.jvhost.memory.MemoryRegion;
import io.jvhost.posix.EventFd;
import io.jvhost.virtio.Layouts;
import io.jvhost.virtio.SplitQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One region of guest memory holding a split virtqueue whose driver side is as cheap as it can be:
 * {@code slots} virtio-blk requests (header, data buffer, status byte: three descriptors each) are
 * written once, and each round only offers their heads again. What a benchmark times is then the
 * device side. Guest-physical addresses start at 0; front-end addresses are the same plus {@link #UADDR}.
 */
final class BenchGuest implements AutoCloseable {
    static final long UADDR = 0x7f00_0000_0000L;
    static final int VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1;
    private static final int F_NEXT = 1, F_WRITE = 2;
    private static final VarHandle U16 = Layouts.U16_ATOMIC;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment ram;
    final GuestMemory memory;
    final int size;
    final int slots;
    private final long desc, avail, used, headers, data, status;
    private final int dataBytes;
    private final EventFd call = EventFd.create();
    private int availIdx;
    private int lastUsed;
    private long next;

    /** A ring of {@code size} entries with {@code slots} blk requests of {@code dataBytes} each. */
    BenchGuest(int size, int slots, int dataBytes, boolean write) {
        if (slots * 3 > size) {
            throw new IllegalArgumentException(slots + " requests need " + slots * 3 + " descriptors; the ring has " + size);
        }
        this.size = size;
        this.slots = slots;
        this.dataBytes = dataBytes;
        long bytes = 1 << 20;
        bytes += (long) slots * dataBytes;
        ram = arena.allocate(bytes, 4096);
        memory = GuestMemory.wrap(List.of(new MemoryRegion(0, bytes, UADDR, 0)), List.of(ram));
        desc = allocate(16L * size, 4096);
        avail = allocate(6 + 2L * size, 64);
        used = allocate(6 + 8L * size, 4096);
        headers = allocate(16L * slots, 64);
        status = allocate(slots, 64);
        data = allocate((long) slots * dataBytes, 4096);
        // with EVENT_IDX, used_event far behind the used index: the device owes no interrupt
        ram.set(ValueLayout.JAVA_SHORT, avail + 4 + 2L * size, (short) 0x8000);
        // a status the device never writes reads as a failure
        ram.asSlice(status, slots).fill((byte) 0xFF);
        for (int s = 0; s < slots; s++) {
            long h = headers + 16L * s;
            ram.set(ValueLayout.JAVA_INT, h, write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN);
            ram.set(ValueLayout.JAVA_LONG, h + 8, (long) s * (dataBytes / 512));
            int d0 = 3 * s;
            descriptor(d0, h, 16, F_NEXT, d0 + 1);
            descriptor(d0 + 1, data + (long) s * dataBytes, dataBytes, F_NEXT | (write ? 0 : F_WRITE), d0 + 2);
            descriptor(d0 + 2, status + s, 1, F_WRITE, 0);
        }
    }

    private long allocate(long bytes, long align) {
        next = (next + align - 1) & -align;
        long at = next;
        next += bytes;
        return at;
    }

    private void descriptor(int i, long addr, int len, int flags, int nextDesc) {
        long at = desc + 16L * i;
        ram.set(ValueLayout.JAVA_LONG, at, addr);
        ram.set(ValueLayout.JAVA_INT, at + 8, len);
        ram.set(ValueLayout.JAVA_SHORT, at + 12, (short) flags);
        ram.set(ValueLayout.JAVA_SHORT, at + 14, (short) nextDesc);
    }

    /** The device side of the ring, as SET_VRING_ADDR would bind it (EVENT_IDX on). */
    SplitQueue deviceQueue() {
        return new SplitQueue(memory, size, UADDR + desc, UADDR + avail, UADDR + used, 0, true, call);
    }

    /** Offers every request again and publishes them with one release store of avail->idx. */
    void offerAll() {
        for (int s = 0; s < slots; s++) {
            ram.set(ValueLayout.JAVA_SHORT, avail + 4 + 2L * ((availIdx + s) & (size - 1)), (short) (3 * s));
        }
        availIdx = (availIdx + slots) & 0xFFFF;
        U16.setRelease(ram, avail + 2, (short) availIdx);
    }

    /** Used entries the device published and this driver has not taken yet. */
    int usedAvailable() {
        int idx = (short) U16.getAcquire(ram, used + 2) & 0xFFFF;
        return (idx - lastUsed) & 0xFFFF;
    }

    /** Takes {@code n} used entries; returns how many of their requests had status OK (0). */
    int takeUsed(int n) {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            int head = ram.get(ValueLayout.JAVA_INT, used + 4 + 8L * ((lastUsed + i) & (size - 1)));
            if (ram.get(ValueLayout.JAVA_BYTE, status + head / 3) == 0) {
                ok++;
            }
            ram.set(ValueLayout.JAVA_BYTE, status + head / 3, (byte) 0xFF);
        }
        lastUsed = (lastUsed + n) & 0xFFFF;
        return ok;
    }

    @Override
    public void close() {
        call.close();
        arena.close();
    }
}
