package io.jvhost.frontend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * One virtio-blk request queue as a guest driver runs it: a fixed set of request slots, each with
 * its header, data buffer and status byte in guest RAM and three descriptors (slot s owns
 * descriptors 3s..3s+2, head 3s). Submit, {@link #publish()}, then {@link #poll} completions.
 */
public final class BlkQueue {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Told about each completed request. */
    @FunctionalInterface
    public interface Completion {
        void completed(int slot, int status, int usedLength);
    }

    private final DriverQueue ring;
    private final MemorySegment ram;
    private final GuestRam guestRam;
    private final int slots;
    private final int slotBytes;
    private final long[] headerGpa;
    private final long[] dataGpa;
    private final long[] statusGpa;
    private final int[] freeSlots;
    private int freeCount;
    private final boolean[] busy;

    BlkQueue(GuestRam ram, DriverQueue ring, int slots, int slotBytes) {
        if (slots < 1 || slots * 3 > ring.size()) {
            throw new IllegalArgumentException(slots + " request slots need " + slots * 3 + " descriptors; the queue has "
                    + ring.size());
        }
        this.guestRam = ram;
        this.ring = ring;
        this.ram = ram.memory();
        this.slots = slots;
        this.slotBytes = slotBytes;
        headerGpa = new long[slots];
        dataGpa = new long[slots];
        statusGpa = new long[slots];
        freeSlots = new int[slots];
        busy = new boolean[slots];
        for (int s = 0; s < slots; s++) {
            headerGpa[s] = ram.allocate(16, 16);
            statusGpa[s] = ram.allocate(1, 1);
            dataGpa[s] = ram.allocate(slotBytes, 4096);
            freeSlots[s] = slots - 1 - s;
        }
        freeCount = slots;
    }

    public DriverQueue ring() {
        return ring;
    }

    public int slots() {
        return slots;
    }

    public int slotBytes() {
        return slotBytes;
    }

    /** Requests submitted and not yet completed. */
    public int inFlight() {
        return slots - freeCount;
    }

    /** The data buffer of {@code slot} (what is written for OUT, read back for IN). */
    public MemorySegment data(int slot) {
        return guestRam.at(dataGpa[slot], slotBytes);
    }

    /**
     * Queues a request of {@code type} at {@code sector} with {@code dataBytes} of data (0 for
     * FLUSH); returns its slot, or -1 when every slot is in use. Data for OUT is taken from
     * {@link #data(int)} of the returned slot, so fill it first via {@link #nextSlot()}.
     */
    public int submit(int type, long sector, int dataBytes) {
        if (freeCount == 0) {
            return -1;
        }
        if (dataBytes < 0 || dataBytes > slotBytes) {
            throw new IllegalArgumentException("request of " + dataBytes + " bytes; slots hold " + slotBytes);
        }
        int slot = freeSlots[--freeCount];
        busy[slot] = true;
        long h = guestRam.offset(headerGpa[slot]);
        ram.set(U32, h, type);
        ram.set(U32, h + 4, 0);
        ram.set(U64, h + 8, sector);
        ram.set(ValueLayout.JAVA_BYTE, guestRam.offset(statusGpa[slot]), (byte) 0xFF);
        int head = 3 * slot;
        if (dataBytes > 0) {
            ring.descriptor(head, headerGpa[slot], 16, DriverQueue.F_NEXT, head + 1);
            ring.descriptor(head + 1, dataGpa[slot], dataBytes,
                    DriverQueue.F_NEXT | (BlkRequests.deviceWrites(type) ? DriverQueue.F_WRITE : 0), head + 2);
        } else {
            ring.descriptor(head, headerGpa[slot], 16, DriverQueue.F_NEXT, head + 2);
        }
        ring.descriptor(head + 2, statusGpa[slot], 1, DriverQueue.F_WRITE, 0);
        ring.offer(head);
        return slot;
    }

    /** The slot the next {@link #submit} will use, or -1 when none is free (to fill OUT data first). */
    public int nextSlot() {
        return freeCount == 0 ? -1 : freeSlots[freeCount - 1];
    }

    /** Makes submitted requests visible to the device; kicks it if it asked. */
    public boolean publish() {
        return ring.publish();
    }

    /** Reaps completed requests; returns how many. A used head that is not in flight throws. */
    public int poll(Completion completion) {
        int n = ring.usedAvailable();
        for (int i = 0; i < n; i++) {
            int head = ring.usedHead();
            int len = ring.usedLength();
            ring.advanceUsed();
            if (head % 3 != 0 || head / 3 >= slots || !busy[head / 3]) {
                throw new IllegalStateException("queue " + ring.index() + ": device returned head " + head
                        + " that is not in flight");
            }
            int slot = head / 3;
            busy[slot] = false;
            freeSlots[freeCount++] = slot;
            int status = ram.get(ValueLayout.JAVA_BYTE, guestRam.offset(statusGpa[slot])) & 0xFF;
            completion.completed(slot, status, len);
        }
        return n;
    }

    /** Submits one request and spins until it completes; returns its status. */
    public int execute(int type, long sector, int dataBytes, long timeoutNanos) {
        int slot = submit(type, sector, dataBytes);
        if (slot < 0) {
            throw new IllegalStateException("queue " + ring.index() + " has no free request slot");
        }
        publish();
        int[] result = {-1};
        long deadline = System.nanoTime() + timeoutNanos;
        while (result[0] < 0) {
            poll((s, status, len) -> {
                if (s == slot) {
                    result[0] = status;
                }
            });
            if (result[0] < 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("queue " + ring.index() + ": request type " + type + " at sector "
                            + sector + " did not complete within " + timeoutNanos / 1_000_000 + " ms");
                }
                Thread.onSpinWait();
            }
        }
        return result[0];
    }

    /** Fills the header region of {@code slot} and data for a DISCARD or WRITE_ZEROES range. */
    public void range(int slot, long sector, int sectors, boolean unmap) {
        MemorySegment d = data(slot);
        d.set(U64, 0, sector);
        d.set(U32, 8, sectors);
        d.set(U32, 12, unmap ? 1 : 0);
    }
}
