package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Registers;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * BAR0 of an NVMe controller. Registers are read and written 32 bits at a time with volatile access
 * (MMIO must not be merged, split or reordered); a doorbell write is a release store, so the queue
 * entry written before it reaches memory first.
 */
final class ControllerRegisters {
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    /** CC fields: enable, I/O SQ/CQ entry sizes (2^6, 2^4), shutdown notification. */
    static final int CC_ENABLE = 1, CC_IOSQES_64 = 6 << 16, CC_IOCQES_16 = 4 << 20, CC_SHN_NORMAL = 1 << 14,
            CC_SHN_MASK = 3 << 14;
    /** CSTS fields: ready, fatal status, shutdown status. */
    static final int CSTS_RDY = 1, CSTS_CFS = 2, CSTS_SHST_MASK = 3 << 2, CSTS_SHST_COMPLETE = 2 << 2;
    private final MemorySegment bar;
    private final int doorbellStride;

    ControllerRegisters(MemorySegment bar) {
        this.bar = bar;
        this.doorbellStride = 4 << (int) ((capabilities() >>> 32) & 0xF);
    }

    int read(int offset) {
        return (int) U32.getVolatile(bar, (long) offset);
    }

    void write(int offset, int value) {
        U32.setVolatile(bar, (long) offset, value);
    }

    /** CAP, read as two halves (not every controller accepts a 64-bit access). */
    long capabilities() {
        return (read(Registers.CAP) & 0xFFFFFFFFL) | (long) read(Registers.CAP + 4) << 32;
    }

    void write64(int offset, long value) {
        write(offset, (int) value);
        write(offset + 4, (int) (value >>> 32));
    }

    int version() {
        return read(Registers.VS);
    }

    int status() {
        return read(Registers.CSTS);
    }

    int configuration() {
        return read(Registers.CC);
    }

    void configure(int cc) {
        write(Registers.CC, cc);
    }

    /** Byte offset of queue {@code qid}'s SQ tail doorbell, honouring CAP.DSTRD. */
    int sqTailDoorbell(int qid) {
        return Registers.DOORBELLS + 2 * qid * doorbellStride;
    }

    int cqHeadDoorbell(int qid) {
        return Registers.DOORBELLS + (2 * qid + 1) * doorbellStride;
    }

    /** Index of a doorbell in the shadow doorbell and EventIdx pages (Doorbell Buffer Config uses the stride too). */
    int shadowIndexSq(int qid) {
        return 2 * qid * (doorbellStride / 4);
    }

    int shadowIndexCq(int qid) {
        return (2 * qid + 1) * (doorbellStride / 4);
    }

    void ringDoorbell(int offset, int value) {
        U32.setRelease(bar, (long) offset, value);
    }

    /** All ones: the device is gone (surprise removal) or its BAR is no longer decoded. */
    static boolean gone(int registerValue) {
        return registerValue == -1;
    }

    /** Whether CSTS shows a fault: fatal status, or all ones from a device that stopped responding. */
    static boolean faulted(int csts) {
        return gone(csts) || (csts & CSTS_CFS) != 0;
    }

    /** What a faulted CSTS means, for error messages. */
    static String describeFault(int csts) {
        return gone(csts) ? "the device stopped responding (registers read all ones)"
                : "the controller reported fatal status (CSTS.CFS)";
    }
}
