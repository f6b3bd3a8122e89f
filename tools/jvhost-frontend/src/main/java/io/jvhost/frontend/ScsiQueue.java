package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One virtio-scsi request queue as a guest driver runs it: fixed request slots, each with its
 * request header (LUN, tag, CDB), response (status, sense) and data buffer in guest RAM; the slot
 * number is the request id. Submit READ(16)/WRITE(16) or any CDB, {@link #publish()}, then {@link #poll}.
 */
public final class ScsiQueue implements DriverRing.Used {
    /** virtio_scsi_req_cmd and virtio_scsi_resp_cmd sizes with 32-byte CDBs and 96-byte sense. */
    public static final int REQ_BYTES = 51, RESP_BYTES = 108;
    private static final int REQ_LUN = 0, REQ_TAG = 8, REQ_CDB = 19, RESP_STATUS = 10, RESP_RESPONSE = 11;
    private static final ValueLayout.OfLong CDB_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(
            java.nio.ByteOrder.BIG_ENDIAN);

    /** Told about each completed request. */
    @FunctionalInterface
    public interface Completion {
        void completed(int slot, int response, int status, int usedLength);
    }

    private final DriverRing ring;
    private final GuestRam guestRam;
    private final MemorySegment ram;
    private final int slots;
    private final int slotBytes;
    private final long[] reqGpa;
    private final long[] respGpa;
    private final long[] dataGpa;
    private final RequestSlots ids;
    private final long[] gpas = new long[3];
    private final int[] lengths = new int[3];
    private final boolean[] writes = new boolean[3];
    private Completion completion;
    private int reaped;
    private long tags;

    ScsiQueue(GuestRam ram, DriverRing ring, int slots, int slotBytes) {
        if (slots < 1 || slots * ring.maxChain() > ring.size()) {
            throw new IllegalArgumentException(slots + " request slots need " + slots * ring.maxChain()
                    + " descriptors; the queue has " + ring.size());
        }
        this.guestRam = ram;
        this.ring = ring;
        this.ram = ram.memory();
        this.slots = slots;
        this.slotBytes = slotBytes;
        reqGpa = new long[slots];
        respGpa = new long[slots];
        dataGpa = new long[slots];
        ids = new RequestSlots(slots, ring.index());
        for (int s = 0; s < slots; s++) {
            reqGpa[s] = ram.allocate(REQ_BYTES, 64);
            respGpa[s] = ram.allocate(RESP_BYTES, 64);
            dataGpa[s] = ram.allocate(slotBytes, 4096);
        }
    }

    /** The virtio-scsi LUN field for {@code target} and {@code lun} (single-level, flat addressing). */
    public static long lunField(int target, int lun) {
        return 1 | ((long) target << 8) | ((long) (0x40 | (lun >>> 8)) << 16) | ((long) (lun & 0xFF) << 24);
    }

    public DriverRing ring() {
        return ring;
    }

    public int slots() {
        return slots;
    }

    public int inFlight() {
        return ids.inFlight();
    }

    /** The data buffer of {@code slot}. */
    public MemorySegment data(int slot) {
        return guestRam.at(dataGpa[slot], slotBytes);
    }

    /**
     * Queues READ(16) ({@code write} false) or WRITE(16) of {@code bytes} at {@code lba} in
     * {@code blocks} blocks to {@code lunField}; returns the slot, or -1 when every slot is in use.
     */
    public int submitReadWrite(long lunField, boolean write, long lba, int blocks, int bytes) {
        int slot = ids.peek();
        if (slot < 0) {
            return -1;
        }
        long c = guestRam.offset(reqGpa[slot]) + REQ_CDB;
        // CDB fields are big-endian; bytes 16-31 stay zero from the slot's first use
        ram.set(CDB_LONG, c, (write ? 0x8AL : 0x88L) << 56 | (lba >>> 16));
        ram.set(CDB_LONG, c + 8, lba << 48 | ((long) blocks & 0xFFFFFFFFL) << 16);
        return submitPrepared(lunField, bytes, write);
    }

    /** Queues {@code cdb} to {@code lunField} moving {@code bytes} to ({@code toDevice}) or from the device. */
    public int submit(long lunField, byte[] cdb, int bytes, boolean toDevice) {
        int slot = ids.peek();
        if (slot < 0) {
            return -1;
        }
        long r = guestRam.offset(reqGpa[slot]);
        byte[] full = java.util.Arrays.copyOf(cdb, 32);
        MemorySegment.copy(full, 0, ram, ValueLayout.JAVA_BYTE, r + REQ_CDB, 32);
        return submitPrepared(lunField, bytes, toDevice);
    }

    private int submitPrepared(long lunField, int bytes, boolean toDevice) {
        if (bytes < 0 || bytes > slotBytes) {
            throw new IllegalArgumentException("request of " + bytes + " bytes; slots hold " + slotBytes);
        }
        int slot = ids.take();
        long r = guestRam.offset(reqGpa[slot]);
        ram.set(U64, r + REQ_LUN, lunField);
        ram.set(U64, r + REQ_TAG, ++tags);
        ram.set(ValueLayout.JAVA_BYTE, guestRam.offset(respGpa[slot]) + RESP_RESPONSE, (byte) 0xFF);
        int n = 0;
        gpas[n] = reqGpa[slot];
        lengths[n] = REQ_BYTES;
        writes[n++] = false;
        if (bytes > 0 && toDevice) {
            gpas[n] = dataGpa[slot];
            lengths[n] = bytes;
            writes[n++] = false;
        }
        gpas[n] = respGpa[slot];
        lengths[n] = RESP_BYTES;
        writes[n++] = true;
        if (bytes > 0 && !toDevice) {
            gpas[n] = dataGpa[slot];
            lengths[n] = bytes;
            writes[n++] = true;
        }
        ring.add(slot, gpas, lengths, writes, n);
        return slot;
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
        long resp = guestRam.offset(respGpa[slot]);
        completion.completed(slot, ram.get(ValueLayout.JAVA_BYTE, resp + RESP_RESPONSE) & 0xFF,
                ram.get(ValueLayout.JAVA_BYTE, resp + RESP_STATUS) & 0xFF, len);
    }

    /** Sense bytes of {@code slot}'s last response (as many as the device reported, up to 96). */
    public byte[] sense(int slot) {
        long resp = guestRam.offset(respGpa[slot]);
        int n = Math.min(96, ram.get(U32, resp));
        return ram.asSlice(resp + 12, n).toArray(ValueLayout.JAVA_BYTE);
    }
}
