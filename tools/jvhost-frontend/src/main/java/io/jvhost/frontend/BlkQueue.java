package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One virtio-blk request queue as a guest driver runs it, over a split or packed ring: a fixed set
 * of request slots, each with its header, data buffer and status byte in guest RAM; the slot number
 * is the request id. Submit, {@link #publish()}, then {@link #poll} completions.
 */
public final class BlkQueue implements DriverRing.Used {

    /** Told about each completed request. */
    @FunctionalInterface
    public interface Completion {
        void completed(int slot, int status, int usedLength);
    }

    private final DriverRing ring;
    private final long[] gpas = new long[3];
    private final int[] lengths = new int[3];
    private final boolean[] writes = new boolean[3];
    private Completion completion;
    private int reaped;
    private final MemorySegment ram;
    private final GuestRam guestRam;
    private final int slots;
    private final int slotBytes;
    private final long[] headerGpa;
    private final long[] dataGpa;
    private final long[] statusGpa;
    private final RequestSlots ids;

    BlkQueue(GuestRam ram, DriverRing ring, int slots, int slotBytes) {
        if (slots < 1 || slots * ring.maxChain() > ring.size()) {
            throw new IllegalArgumentException(slots + " request slots need " + slots * ring.maxChain()
                    + " descriptors; the queue has " + ring.size());
        }
        this.guestRam = ram;
        this.ring = ring;
        this.ram = ram.memory();
        this.slots = slots;
        this.slotBytes = slotBytes;
        headerGpa = new long[slots];
        dataGpa = new long[slots];
        statusGpa = new long[slots];
        ids = new RequestSlots(slots, ring.index());
        for (int s = 0; s < slots; s++) {
            headerGpa[s] = ram.allocate(16, 16);
            statusGpa[s] = ram.allocate(1, 1);
            dataGpa[s] = ram.allocate(slotBytes, 4096);
        }
    }

    public DriverRing ring() {
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
        return ids.inFlight();
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
        if (dataBytes < 0 || dataBytes > slotBytes) {
            throw new IllegalArgumentException("request of " + dataBytes + " bytes; slots hold " + slotBytes);
        }
        int slot = ids.take();
        if (slot < 0) {
            return -1;
        }
        long h = guestRam.offset(headerGpa[slot]);
        ram.set(U32, h, type);
        ram.set(U32, h + 4, 0);
        ram.set(U64, h + 8, sector);
        ram.set(ValueLayout.JAVA_BYTE, guestRam.offset(statusGpa[slot]), (byte) 0xFF);
        int n = 0;
        gpas[n] = headerGpa[slot];
        lengths[n] = 16;
        writes[n++] = false;
        if (dataBytes > 0) {
            gpas[n] = dataGpa[slot];
            lengths[n] = dataBytes;
            writes[n++] = BlkRequests.deviceWrites(type);
        }
        gpas[n] = statusGpa[slot];
        lengths[n] = 1;
        writes[n++] = true;
        ring.add(slot, gpas, lengths, writes, n);
        return slot;
    }

    /** The slot the next {@link #submit} will use, or -1 when none is free (to fill OUT data first). */
    public int nextSlot() {
        return ids.peek();
    }

    /** Makes submitted requests visible to the device; kicks it if it asked. */
    public boolean publish() {
        return ring.publish();
    }

    /** Reaps completed requests; returns how many. A used id that is not in flight throws. */
    public int poll(Completion completion) {
        this.completion = completion;
        reaped = 0;
        ring.reap(this);
        return reaped;
    }

    @Override
    public void used(int slot, int len) {
        ids.release(slot);
        reaped++;
        int status = ram.get(ValueLayout.JAVA_BYTE, guestRam.offset(statusGpa[slot])) & 0xFF;
        completion.completed(slot, status, len);
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
