package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Cqe;
import io.jvhost.nvme.Nvme;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The two rings of an I/O queue pair in DMA memory and their doorbells: the submission tail, the
 * completion head with its phase bit, and the doorbell writes (through the shadow doorbells and
 * their EventIdx rule when the controller has them). Owner thread only.
 */
final class QueueRings {
    private static final VarHandle STATUS = ValueLayout.JAVA_SHORT.varHandle();
    private final int entries;
    private final DmaMemory dma;
    private final ControllerRegisters registers;
    private final DoorbellBuffer doorbells;
    private final int sqDoorbell, cqDoorbell, sqShadow, cqShadow;
    private DmaBuffer sq, cq;
    private int sqTail, cqHead;
    /** The values last written to the doorbells (or their shadows): the need-event rule compares against them. */
    private int lastSqTail, lastCqHead;
    private boolean phase = true;

    QueueRings(int qid, int entries, DmaMemory dma, ControllerRegisters registers, DoorbellBuffer doorbells) {
        this.entries = entries;
        this.dma = dma;
        this.registers = registers;
        this.doorbells = doorbells;
        this.sqDoorbell = registers.sqTailDoorbell(qid);
        this.cqDoorbell = registers.cqHeadDoorbell(qid);
        this.sqShadow = registers.shadowIndexSq(qid);
        this.cqShadow = registers.shadowIndexCq(qid);
        if (doorbells != null) { // a queue with this id may have existed before: its values are stale
            doorbells.forget(sqShadow);
            doorbells.forget(cqShadow);
        }
        try {
            sq = dma.allocate((long) entries * Nvme.SQE_BYTES, true);
            cq = dma.allocate((long) entries * Nvme.CQE_BYTES, true);
        } catch (RuntimeException e) {
            release();
            throw e;
        }
    }

    long submissionIova() {
        return sq.iova(0);
    }

    long completionIova() {
        return cq.iova(0);
    }

    /** Copies a 64-byte command to the submission tail and advances it (the doorbell rings later). */
    void place(MemorySegment command, long offset) {
        MemorySegment.copy(command, offset, sq.memory(), (long) sqTail * Nvme.SQE_BYTES, Nvme.SQE_BYTES);
        sqTail = sqTail + 1 == entries ? 0 : sqTail + 1;
    }

    void ringSubmission() {
        if (doorbells == null || doorbells.update(sqShadow, sqTail, lastSqTail)) {
            registers.ringDoorbell(sqDoorbell, sqTail);
        }
        lastSqTail = sqTail;
    }

    /**
     * Takes the entry at the completion head when its phase bit says it is new: returns its command
     * id shifted left by 16 with the status (SCT << 8 | SC) below, or -1 when there is none.
     */
    long nextCompletion() {
        MemorySegment c = cq.memory();
        long at = (long) cqHead * Nvme.CQE_BYTES;
        short field = (short) STATUS.getAcquire(c, at + Cqe.STATUS);
        if (((field & 1) != 0) != phase) {
            return -1;
        }
        int cid = Cqe.cid(c, at);
        int status = ((field >>> 9) & 0x7) << 8 | ((field >>> 1) & 0xFF);
        if (++cqHead == entries) {
            cqHead = 0;
            phase = !phase;
        }
        return (long) cid << 16 | status;
    }

    void ringCompletion() {
        if (doorbells == null || doorbells.update(cqShadow, cqHead, lastCqHead)) {
            registers.ringDoorbell(cqDoorbell, cqHead);
        }
        lastCqHead = cqHead;
    }

    /** With the owner suspended: forget the old entries (the controller recreates the queues next). */
    void clear() {
        sq.memory().fill((byte) 0);
        cq.memory().fill((byte) 0);
    }

    /** The controller recreated the queues: both start at entry 0 with phase 1. */
    void restart() {
        sqTail = 0;
        cqHead = 0;
        lastSqTail = 0;
        lastCqHead = 0;
        phase = true;
    }

    void release() {
        for (DmaBuffer b : new DmaBuffer[] {sq, cq}) {
            if (b != null) {
                dma.free(b);
            }
        }
        sq = cq = null;
    }
}
