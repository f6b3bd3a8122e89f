package io.jvhost.bdev;

import io.jvhost.memory.SgList;
import java.lang.foreign.MemorySegment;

/**
 * One reusable I/O request. The submitter fills it, calls {@link IoChannel#submit}, and receives
 * {@link Completion#ioCompleted} exactly once on the submitting reactor, never before submit returns.
 * Preallocate one per queue slot; nothing here allocates per I/O. Its data is a scatter-gather
 * list: its own, filled with {@link #addSegment}, or a submitter's list used in place
 * ({@link #useSegments}, e.g. the buffers of a virtqueue chain).
 */
public final class BdevIo {
    /** Completion status values; negative values are failures. */
    public static final int SUCCESS = 0, FAILED = -1, INVALID = -2, UNSUPPORTED = -3, REMOVED = -4, ABORTED = -5,
            MISCOMPARE = -6;
    /**
     * Failures that carry an NVMe status ({@link #nvmeError}) lie below this; the status field rides in the
     * low 11 bits, so it passes unchanged through virtual bdevs and the core like any other status.
     */
    private static final int NVME_ERROR = -0x10000;

    /** Called once per submitted request on the submitting reactor thread. */
    @FunctionalInterface
    public interface Completion {
        void ioCompleted(BdevIo io, int status);
    }

    private final SgList own;
    /** The data: {@link #own}, or a list the submitter lent for this request. */
    private SgList data;
    private IoType type;
    private long offsetBlocks;
    private long numBlocks;
    private Completion completion;
    /** Free for the submitter: e.g. a descriptor head or command id. */
    public long tag;
    /** Free for the submitter: its request context. */
    public Object context;

    // Used by the bdev layer while the request is in flight.
    /** Next in an intrusive queue owned by the bdev layer (retry queues); do not touch. */
    public BdevIo next;
    /** Submission time for latency sampling, 0 when not sampled; bdev layer only. */
    public long submitNanos;
    /** The channel this request was submitted through; bdev layer only. */
    public Object channel;
    /** Scratch for the module handling the request (e.g. a slot index). */
    public int moduleSlot;

    /** A request that can carry up to {@code maxSegments} data segments. */
    public BdevIo(int maxSegments) {
        this.own = new SgList(maxSegments);
        this.data = own;
    }

    /** Prepares the request; clears previous segments. */
    public BdevIo set(IoType type, long offsetBlocks, long numBlocks, Completion completion) {
        this.type = type;
        this.offsetBlocks = offsetBlocks;
        this.numBlocks = numBlocks;
        this.completion = completion;
        own.clear();
        data = own;
        return this;
    }

    /** Sets where the request goes, keeping its segments (submitters that add data before they know the size). */
    public BdevIo setRange(long offsetBlocks, long numBlocks) {
        this.offsetBlocks = offsetBlocks;
        this.numBlocks = numBlocks;
        return this;
    }

    /** Appends a whole segment as data; returns false when the request has no room for more. */
    public boolean addSegment(MemorySegment segment) {
        return addSegment(segment, 0, segment.byteSize());
    }

    /**
     * Appends {@code length} bytes of {@code base} at {@code offset} as data, without creating a
     * slice (guest memory regions are passed whole, so the I/O path allocates nothing).
     */
    public boolean addSegment(MemorySegment base, long offset, long length) {
        if (data != own) {
            throw new IllegalStateException("this request's data is a lent list (useSegments)");
        }
        return own.add(base, offset, length);
    }

    /** Grows the last segment by {@code length} bytes (contiguous memory added piece by piece). */
    public void extendLastSegment(long length) {
        own.extendLast(length);
    }

    /**
     * Makes {@code list} this request's data, read in place until {@link #clearSegments()} or the
     * next {@link #set}; the submitter keeps it unchanged while the request is in flight.
     */
    public BdevIo useSegments(SgList list) {
        own.clear();
        data = list;
        return this;
    }

    /** The data as a scatter-gather list (for drivers that take one, such as the NVMe driver). */
    public SgList segments() {
        return data;
    }

    public IoType type() {
        return type;
    }

    public long offsetBlocks() {
        return offsetBlocks;
    }

    public long numBlocks() {
        return numBlocks;
    }

    public int segmentCount() {
        return data.count();
    }

    /** The memory the i-th data segment lies in; see {@link #segmentOffset} and {@link #segmentLength}. */
    public MemorySegment segment(int i) {
        return data.segment(i);
    }

    public long segmentOffset(int i) {
        return data.offset(i);
    }

    public long segmentLength(int i) {
        return data.length(i);
    }

    /** Native address of the i-th data segment. */
    public long segmentAddress(int i) {
        return data.address(i);
    }

    public int maxSegments() {
        return own.capacity();
    }

    /** Total bytes over all segments. */
    public long dataBytes() {
        return data.totalBytes();
    }

    public Completion completion() {
        return completion;
    }

    /** Drops references to data segments after completion, so guest memory is not kept alive. */
    public void clearSegments() {
        own.clear();
        data = own;
    }

    /**
     * A failure with an NVMe completion status: status code type {@code sct} (0-7) and status code
     * {@code sc} (0-255), as a device returned it or an error bdev injects it. NVMe front-ends give the
     * guest exactly this status; others map it (SCSI to sense data, virtio-blk to IOERR).
     */
    public static int nvmeError(int sct, int sc) {
        if (sct < 0 || sct > 7 || sc < 0 || sc > 255) {
            throw new IllegalArgumentException("NVMe status code type " + sct + " / code " + sc
                    + " out of range (sct 0-7, sc 0-255)");
        }
        return NVME_ERROR - (sct << 8 | sc);
    }

    /** True when {@code status} is an {@link #nvmeError}. */
    public static boolean isNvmeError(int status) {
        return status <= NVME_ERROR && status > NVME_ERROR - 0x800;
    }

    /** The NVMe status field ({@code sct << 8 | sc}) of an {@link #nvmeError} status. */
    public static int nvmeStatus(int status) {
        return NVME_ERROR - status;
    }

    /** Human-readable status, for errors and logs. */
    public static String statusName(int status) {
        if (isNvmeError(status)) {
            int field = nvmeStatus(status);
            return "NVMe status sct " + (field >> 8) + " sc 0x" + Integer.toHexString(field & 0xFF);
        }
        return switch (status) {
            case SUCCESS -> "success";
            case FAILED -> "I/O error";
            case INVALID -> "invalid request (out of range or misaligned)";
            case UNSUPPORTED -> "unsupported I/O type";
            case REMOVED -> "bdev removed";
            case ABORTED -> "aborted";
            case MISCOMPARE -> "miscompare";
            default -> "status " + status;
        };
    }
}
