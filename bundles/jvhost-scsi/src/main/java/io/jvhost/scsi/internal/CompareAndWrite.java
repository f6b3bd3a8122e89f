package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.BlockCommands.CAW_FLUSH;
import static io.jvhost.scsi.internal.BlockCommands.CAW_READ;
import static io.jvhost.scsi.internal.BlockCommands.CAW_WRITE;
import static io.jvhost.scsi.internal.BlockCommands.inRange;
import static io.jvhost.scsi.internal.Scsi.*;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.scsi.ScsiTask;

/**
 * COMPARE AND WRITE: the blocks are read into the LU's scratch buffer and compared with the first
 * half of the data-out buffer; when they match the second half is written (and flushed for FUA or a
 * write-through LU), else the command ends with MISCOMPARE at the first differing byte. One compare
 * and write per LU at a time: the LU's lock is held from the read to the end.
 */
final class CompareAndWrite {
    private CompareAndWrite() {
    }

    static void execute(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        byte[] cdb = t.cdb;
        Lun lun = lc.lun;
        boolean desc = lun.descriptorSense;
        long lba = be(cdb, 2, 8);
        int blocks = cdb[13] & 0xFF;
        if (blocks > Inquiry.maxCompareAndWriteBlocks(lun)) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(lun, lba, blocks)) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
            return;
        }
        if (blocks == 0) {
            Commands.good(s);
            return;
        }
        long bytes = (long) blocks * lun.blockSize;
        if (t.direction() != ScsiTask.Direction.TO_DEVICE || t.dataBytes() < 2 * bytes) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        // read, compare and write must not interleave with another COMPARE AND WRITE of this LU
        if (!lun.compareAndWriteLock.compareAndSet(false, true)) {
            s.task.setStatus(ScsiTask.BUSY, 0);
            s.target.finish(s);
            return;
        }
        s.lba = lba;
        s.blocks = blocks;
        s.fua = (cdb[1] & 0x08) != 0;
        s.step = CAW_READ;
        if (lc.acquireScratch(s)) {
            start(lc, s);
        }
    }

    /** With the scratch buffer: reads the blocks to compare. */
    static void start(LunChannel lc, TaskState s) {
        BdevIo io = s.task.io;
        io.set(IoType.READ, s.lba, s.blocks, lc);
        io.addSegment(lc.scratch(), 0, s.blocks * lc.lun.blockSize);
        lc.submit(s);
    }

    /** The blocks were read: compare, then write the second half or end with MISCOMPARE. */
    static void readDone(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        Lun lun = lc.lun;
        long bytes = s.blocks * lun.blockSize;
        long at = DataBuffer.mismatch(t, 0, lc.scratch(), bytes);
        lc.releaseScratch();
        if (at >= 0) {
            lun.compareAndWriteLock.set(false);
            t.setTransferred(2 * bytes);
            Sense.check(t, lun.descriptorSense, Scsi.MISCOMPARE, MISCOMPARE_DURING_VERIFY, at);
            s.target.finish(s);
            return;
        }
        s.step = CAW_WRITE;
        t.io.set(IoType.WRITE, s.lba, s.blocks, lc);
        DataBuffer.addRange(t, t.io, bytes, bytes);
        lc.submit(s);
    }

    /** The second half was written: flush when the data must be durable, else the end. */
    static void writeDone(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        Lun lun = lc.lun;
        t.setTransferred(2 * s.blocks * lun.blockSize);
        if ((s.fua || !lun.writeCache) && lun.supportsFlush) {
            s.step = CAW_FLUSH;
            t.io.set(IoType.FLUSH, 0, 0, lc);
            lc.submit(s);
        } else {
            end(lc, s);
        }
    }

    /** Done: the LU's lock goes, the command succeeds. */
    static void end(LunChannel lc, TaskState s) {
        lc.lun.compareAndWriteLock.set(false);
        Commands.good(s);
    }

    /** A task ending early (failed or killed) gives the LU's lock back when one of its steps held it. */
    static void unlockIfHeld(LunChannel lc, TaskState s) {
        if (s.step == CAW_READ || s.step == CAW_WRITE || s.step == CAW_FLUSH) {
            lc.lun.compareAndWriteLock.set(false);
        }
    }
}
