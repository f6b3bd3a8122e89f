package io.jvhost.vhostscsi.internal;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import io.jvhost.frontend.DriverRing;
import io.jvhost.frontend.GuestRam;
import io.jvhost.frontend.VhostUserFrontend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A virtio-scsi driver as a guest kernel runs one, over the Java front-end: builds request, control
 * and event buffers in guest RAM and waits for the device to return them. Tests only; one thread.
 */
final class ScsiHbaDriver implements AutoCloseable {
    static final int QUEUE_SIZE = 128;
    final VhostUserFrontend frontend;
    private final DriverRing[] rings;
    private final GuestRam ram;
    private int nextId;

    /** The device's answer to one request. */
    record Result(int usedLength, int response, int status, byte[] sense, int residual, byte[] dataIn) {
        int senseKey() {
            return (sense[0] & 0x7F) == 0x72 ? sense[1] & 0x0F : sense[2] & 0x0F;
        }

        int asc() {
            return (sense[0] & 0x7F) == 0x72 ? (sense[2] & 0xFF) << 8 | (sense[3] & 0xFF)
                    : (sense[12] & 0xFF) << 8 | (sense[13] & 0xFF);
        }
    }

    /** Connects and starts the listed queues (0 control, 1 event, 2.. requests). */
    ScsiHbaDriver(Path socket, int queues, int... start) throws IOException {
        frontend = VhostUserFrontend.connect(socket, new VhostUserFrontend.Setup(
                (1L << VirtioScsi.F_HOTPLUG) | (1L << VirtioScsi.F_CHANGE), 0, queues, 64L << 20, true, false));
        ram = frontend.ram();
        rings = new DriverRing[queues];
        for (int q : start) {
            startQueue(q);
        }
    }

    void startQueue(int q) throws IOException {
        rings[q] = frontend.startRing(q, QUEUE_SIZE, 4);
    }

    static long lun(int target, int lun) {
        return 1 | ((long) target << 8) | ((long) (0x40 | (lun >>> 8)) << 16) | ((long) (lun & 0xFF) << 24);
    }

    private long put(byte[] bytes, int size) {
        long gpa = ram.allocate(Math.max(size, 1), 64);
        if (bytes != null) {
            MemorySegment.copy(bytes, 0, ram.at(gpa, size), ValueLayout.JAVA_BYTE, 0, Math.min(bytes.length, size));
        }
        return gpa;
    }

    /** A SCSI command on request queue {@code queue}. */
    Result command(int queue, long lunField, long tag, byte[] cdb, byte[] dataOut, int dataIn) {
        byte[] req = new byte[VirtioScsi.REQ_BYTES];
        MemorySegment r = MemorySegment.ofArray(req);
        r.set(U64, VirtioScsi.REQ_LUN, lunField);
        r.set(U64, VirtioScsi.REQ_ID, tag);
        System.arraycopy(cdb, 0, req, VirtioScsi.REQ_CDB, cdb.length);
        long[] gpa = new long[4];
        int[] len = new int[4];
        boolean[] writes = new boolean[4];
        int n = 0;
        gpa[n] = put(req, req.length);
        len[n++] = req.length;
        if (dataOut != null) {
            gpa[n] = put(dataOut, dataOut.length);
            len[n++] = dataOut.length;
        }
        long resp = put(null, VirtioScsi.RESP_BYTES);
        gpa[n] = resp;
        len[n] = VirtioScsi.RESP_BYTES;
        writes[n++] = true;
        long in = 0;
        if (dataIn > 0) {
            in = put(null, dataIn);
            gpa[n] = in;
            len[n] = dataIn;
            writes[n++] = true;
        }
        int used = submit(queue, gpa, len, writes, n);
        MemorySegment s = ram.at(resp, VirtioScsi.RESP_BYTES);
        int senseLength = s.get(U32, VirtioScsi.RESP_SENSE_LEN);
        byte[] sense = new byte[VirtioScsi.SENSE_SIZE];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, VirtioScsi.RESP_SENSE, sense, 0, Math.min(senseLength, 96));
        byte[] data = dataIn > 0 ? ram.at(in, dataIn).toArray(ValueLayout.JAVA_BYTE) : new byte[0];
        return new Result(used, s.get(ValueLayout.JAVA_BYTE, VirtioScsi.RESP_RESPONSE) & 0xFF,
                s.get(ValueLayout.JAVA_BYTE, VirtioScsi.RESP_STATUS) & 0xFF, sense, s.get(U32, VirtioScsi.RESP_RESID),
                data);
    }

    /** Any chain of buffers (to send malformed requests); returns the used length. */
    int submit(int queue, long[] gpa, int[] len, boolean[] writes, int n) {
        DriverRing ring = rings[queue];
        int id = nextId++ % (ring.size() / ring.maxChain());
        ring.add(id, gpa, len, writes, n);
        ring.publish();
        return awaitUsed(ring, id);
    }

    private static int awaitUsed(DriverRing ring, int id) {
        int[] got = {-1};
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (got[0] < 0) {
            ring.reap((usedId, length) -> {
                if (usedId == id) {
                    got[0] = length;
                }
            });
            if (System.nanoTime() > deadline) {
                throw new AssertionError("queue " + ring.index() + ": request " + id + " did not complete");
            }
            Thread.onSpinWait();
        }
        return got[0];
    }

    /** A task-management function on the control queue; returns the response code. */
    int tmf(int subtype, long lunField, long tag) {
        byte[] req = new byte[VirtioScsi.TMF_REQ_BYTES];
        MemorySegment r = MemorySegment.ofArray(req);
        r.set(U32, 0, VirtioScsi.CTRL_TMF);
        r.set(U32, VirtioScsi.TMF_SUBTYPE, subtype);
        r.set(U64, VirtioScsi.TMF_LUN, lunField);
        r.set(U64, VirtioScsi.TMF_ID, tag);
        long resp = put(new byte[] {(byte) 0xEE}, 1);
        submit(VirtioScsi.CONTROL_QUEUE, new long[] {put(req, req.length), resp}, new int[] {req.length, 1},
                new boolean[] {false, true}, 2);
        return ram.at(resp, 1).get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
    }

    /** An asynchronous-notification query; returns {event_actual, response}. */
    int[] anQuery() {
        byte[] req = new byte[VirtioScsi.AN_REQ_BYTES];
        MemorySegment.ofArray(req).set(U32, 0, VirtioScsi.CTRL_AN_QUERY);
        long resp = put(new byte[] {1, 1, 1, 1, 1}, 5);
        submit(VirtioScsi.CONTROL_QUEUE, new long[] {put(req, req.length), resp}, new int[] {req.length, 5},
                new boolean[] {false, true}, 2);
        MemorySegment s = ram.at(resp, 5);
        return new int[] {s.get(U32, 0), s.get(ValueLayout.JAVA_BYTE, 4)};
    }

    private final long[] eventBuffers = new long[16];

    /** Offers {@code n} event buffers, as the Linux driver does at probe. */
    void postEventBuffers(int n) {
        DriverRing ring = rings[VirtioScsi.EVENT_QUEUE];
        for (int i = 0; i < n; i++) {
            eventBuffers[i] = put(null, VirtioScsi.EVENT_BYTES);
            ring.add(i, new long[] {eventBuffers[i]}, new int[] {VirtioScsi.EVENT_BYTES}, new boolean[] {true}, 1);
        }
        ring.publish();
    }

    /** Returned event buffers not yet looked at, in the order the device used them. */
    private final java.util.ArrayDeque<Integer> returnedEvents = new java.util.ArrayDeque<>();

    /** Waits for the next event; returns {event, target, lun, reason}. The buffer is re-posted. */
    int[] nextEvent() {
        DriverRing ring = rings[VirtioScsi.EVENT_QUEUE];
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (returnedEvents.isEmpty()) {
            ring.reap((id, length) -> returnedEvents.add(id));
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no event within 10 s");
            }
            Thread.onSpinWait();
        }
        int id = returnedEvents.poll();
        MemorySegment e = ram.at(eventBuffers[id], VirtioScsi.EVENT_BYTES);
        long lun = e.get(U64, 4);
        int[] event = {e.get(U32, 0), (int) (lun >>> 8) & 0xFF, VirtioScsi.lun(lun), e.get(U32, 12)};
        ring.add(id, new long[] {eventBuffers[id]}, new int[] {VirtioScsi.EVENT_BYTES}, new boolean[] {true}, 1);
        ring.publish();
        return event;
    }

    /** True when the device returned an event buffer within {@code millis}. */
    boolean eventWithin(long millis) {
        DriverRing ring = rings[VirtioScsi.EVENT_QUEUE];
        boolean[] got = {false};
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!got[0] && System.nanoTime() < deadline) {
            ring.reap((id, length) -> {
                returnedEvents.add(id);
                got[0] = true;
            });
            Thread.onSpinWait();
        }
        return got[0];
    }

    GuestRam ram() {
        return ram;
    }

    @Override
    public void close() {
        frontend.close();
    }
}
