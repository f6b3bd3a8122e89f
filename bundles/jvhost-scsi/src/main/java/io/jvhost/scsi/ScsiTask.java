package io.jvhost.scsi;

import io.jvhost.bdev.BdevIo;
import java.lang.foreign.MemorySegment;

/**
 * One SCSI command, reused: the transport preallocates one per request slot, fills in the LUN, tag,
 * CDB and the initiator's data buffers, and gets it back once through its {@link Completion} with a
 * status, sense data and the number of bytes transferred. Nothing here allocates per command.
 */
public final class ScsiTask {
    /** Longest CDB accepted (virtio-scsi's cdb_size). */
    public static final int CDB_MAX = 32;
    /** Longest sense data produced. */
    public static final int SENSE_MAX = 252;

    /** SAM status codes. */
    public static final int GOOD = 0x00, CHECK_CONDITION = 0x02, BUSY = 0x08, RESERVATION_CONFLICT = 0x18,
            TASK_SET_FULL = 0x28;

    /** How a task ended: with a status, or ended by task management before it had one. */
    public static final int COMPLETED = 0, ABORTED = 1, RESET = 2;

    /** Direction of the data phase, as the transport's buffers say. */
    public enum Direction { NONE, TO_DEVICE, FROM_DEVICE }

    /** Called once per executed task, on the reactor that executed it. */
    @FunctionalInterface
    public interface Completion {
        void taskCompleted(ScsiTask task);
    }

    /** The CDB; only the first {@link #cdbLength()} bytes are meaningful. */
    public final byte[] cdb = new byte[CDB_MAX];
    private final MemorySegment[] segments;
    private final long[] offsets;
    private final long[] lengths;
    private final byte[] sense = new byte[SENSE_MAX];
    /** The bdev request the SCSI layer sends for this task (it can carry every data buffer). */
    public final BdevIo io;
    private int segmentCount;
    private long dataBytes;
    private Direction direction = Direction.NONE;
    private int lun;
    private long tag;
    private int cdbLength;
    private Completion completion;
    private int status;
    private int senseLength;
    private long transferred;
    private int outcome;
    /** State the SCSI layer keeps per task object (created once, reused); transports leave it alone. */
    public Object executorState;

    /** A task whose data phase can use up to {@code maxSegments} buffers. */
    public ScsiTask(int maxSegments) {
        this.segments = new MemorySegment[maxSegments];
        this.offsets = new long[maxSegments];
        this.lengths = new long[maxSegments];
        this.io = new BdevIo(maxSegments);
    }

    /** Starts a new command: clears the previous data buffers and results. */
    public ScsiTask prepare(int lun, long tag, int cdbLength, Completion completion) {
        if (cdbLength < 1 || cdbLength > CDB_MAX) {
            throw new IllegalArgumentException("CDB length " + cdbLength);
        }
        this.lun = lun;
        this.tag = tag;
        this.cdbLength = cdbLength;
        this.completion = completion;
        this.segmentCount = 0;
        this.dataBytes = 0;
        this.direction = Direction.NONE;
        this.status = GOOD;
        this.senseLength = 0;
        this.transferred = 0;
        this.outcome = COMPLETED;
        return this;
    }

    /** Adds an initiator buffer of {@code length} bytes at {@code offset} in {@code base}; false when full. */
    public boolean addData(MemorySegment base, long offset, long length, Direction dir) {
        if (segmentCount == segments.length || (direction != Direction.NONE && direction != dir)) {
            return false;
        }
        direction = dir;
        segments[segmentCount] = base;
        offsets[segmentCount] = offset;
        lengths[segmentCount] = length;
        segmentCount++;
        dataBytes += length;
        return true;
    }

    /** Drops references to data buffers once the transport has completed the task. */
    public void release() {
        for (int i = 0; i < segmentCount; i++) {
            segments[i] = null;
        }
        segmentCount = 0;
        io.clearSegments();
    }

    public int lun() {
        return lun;
    }

    /** The initiator's identifier for this command (what ABORT TASK names). */
    public long tag() {
        return tag;
    }

    public int cdbLength() {
        return cdbLength;
    }

    public Direction direction() {
        return direction;
    }

    /** Bytes of initiator buffers (the expected transfer length). */
    public long dataBytes() {
        return dataBytes;
    }

    public int segmentCount() {
        return segmentCount;
    }

    public MemorySegment segment(int i) {
        return segments[i];
    }

    public long segmentOffset(int i) {
        return offsets[i];
    }

    public long segmentLength(int i) {
        return lengths[i];
    }

    public Completion completion() {
        return completion;
    }

    // Results, set by the SCSI layer before the completion runs.

    public int status() {
        return status;
    }

    /** Sense data; the first {@link #senseLength()} bytes are valid. */
    public byte[] sense() {
        return sense;
    }

    public int senseLength() {
        return senseLength;
    }

    /** Bytes moved to or from the initiator's buffers. */
    public long transferred() {
        return transferred;
    }

    /** Initiator buffer bytes not transferred. */
    public long residual() {
        return dataBytes - transferred;
    }

    /** {@link #COMPLETED}, {@link #ABORTED} or {@link #RESET}. */
    public int outcome() {
        return outcome;
    }

    /** SCSI layer: sets the status and the length of the sense data written to {@link #sense()}. */
    public void setStatus(int status, int senseLength) {
        this.status = status;
        this.senseLength = senseLength;
    }

    /** SCSI layer. */
    public void setTransferred(long bytes) {
        this.transferred = bytes;
    }

    /** SCSI layer: the task was ended by task management. */
    public void setOutcome(int outcome) {
        this.outcome = outcome;
    }
}
