package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.*;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.scsi.ScsiTask;

/**
 * The SBC-3 commands that reach the bdev: READ/WRITE 6/10/12/16 straight from and into the
 * initiator's buffers, SYNCHRONIZE CACHE and UNMAP here, WRITE SAME ({@link WriteSame}) and COMPARE
 * AND WRITE ({@link CompareAndWrite}) beside. Commands that need several bdev requests are small
 * state machines whose steps {@link #ioDone} drives; each ends exactly once.
 */
final class BlockCommands {
    /** The step a task is at ({@link TaskState#step}), for every block command. */
    static final int DATA = 1, DATA_THEN_FLUSH = 2, FLUSH = 3, UNMAP_NEXT = 4, SAME_ONCE = 5,
            SAME_PATTERN = 6, CAW_READ = 7, CAW_WRITE = 8, CAW_FLUSH = 9;

    private BlockCommands() {
    }

    static void readWrite(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        byte[] cdb = t.cdb;
        Lun lun = lc.lun;
        int op = s.opcode();
        boolean write = op == WRITE_6 || op == WRITE_10 || op == WRITE_12 || op == WRITE_16;
        long lba;
        long blocks;
        boolean fua = false;
        switch (op) {
            case READ_6, WRITE_6 -> {
                lba = be(cdb, 1, 3) & 0x1FFFFF;
                blocks = cdb[4] & 0xFF;
                if (blocks == 0) {
                    blocks = 256; // a 6-byte transfer length of 0 means 256 blocks
                }
            }
            case READ_10, WRITE_10 -> {
                lba = be(cdb, 2, 4);
                blocks = be(cdb, 7, 2);
                fua = (cdb[1] & 0x08) != 0;
            }
            case READ_12, WRITE_12 -> {
                lba = be(cdb, 2, 4);
                blocks = be(cdb, 6, 4);
                fua = (cdb[1] & 0x08) != 0;
            }
            default -> {
                lba = be(cdb, 2, 8);
                blocks = be(cdb, 10, 4);
                fua = (cdb[1] & 0x08) != 0;
            }
        }
        if (!inRange(lun, lba, blocks)) {
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
            return;
        }
        if (blocks == 0) {
            Commands.good(s);
            return;
        }
        long bytes = blocks * lun.blockSize;
        ScsiTask.Direction want = write ? ScsiTask.Direction.TO_DEVICE : ScsiTask.Direction.FROM_DEVICE;
        if (t.direction() != want || t.dataBytes() < bytes) {
            // the buffers cannot hold what the CDB asks to move
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        t.io.set(write ? IoType.WRITE : IoType.READ, lba, blocks, lc);
        if (!DataBuffer.addRange(t, t.io, 0, bytes)) {
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        s.done = bytes;
        s.step = write && (fua || !lun.writeCache) && lun.supportsFlush ? DATA_THEN_FLUSH : DATA;
        lc.submit(s);
    }

    static void synchronizeCache(LunChannel lc, TaskState s) {
        byte[] cdb = s.task.cdb;
        Lun lun = lc.lun;
        boolean ten = s.opcode() == SYNCHRONIZE_CACHE_10;
        long lba = ten ? be(cdb, 2, 4) : be(cdb, 2, 8);
        long blocks = ten ? be(cdb, 7, 2) : be(cdb, 10, 4);
        if (!inRange(lun, lba, blocks)) {
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
            return;
        }
        if (!lun.supportsFlush) {
            Commands.good(s); // no volatile cache: everything is already stable
            return;
        }
        // the bdev flushes as a whole; a range is a subset of that
        s.step = FLUSH;
        s.task.io.set(IoType.FLUSH, 0, 0, lc);
        lc.submit(s);
    }

    static void unmap(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        Lun lun = lc.lun;
        boolean desc = lun.descriptorSense;
        if (!lun.supportsUnmap) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_OPCODE);
            return;
        }
        if ((t.cdb[1] & 0x01) != 0) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB); // ANCHOR: no anchored state
            return;
        }
        int length = (int) be(t.cdb, 7, 2);
        if (length == 0) {
            Commands.good(s);
            return;
        }
        byte[] p = s.params(length);
        if (length < 8 || t.direction() != ScsiTask.Direction.TO_DEVICE || DataBuffer.gather(t, p, length) < length) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        t.setTransferred(length);
        int descriptors = (int) Math.min(be(p, 2, 2), length - 8) / 16;
        if (descriptors > Inquiry.MAX_UNMAP_DESCRIPTORS) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
            return;
        }
        for (int i = 0; i < descriptors; i++) {
            long lba = be(p, 8 + 16 * i, 8);
            long blocks = be(p, 16 + 16 * i, 4);
            if (!inRange(lun, lba, blocks)) {
                Commands.fail(s, desc, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
                return;
            }
            if (blocks > Inquiry.MAX_UNMAP_BLOCKS) {
                Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
        }
        s.step = UNMAP_NEXT;
        s.index = 0;
        s.blocks = descriptors;
        unmapNext(lc, s);
    }

    private static void unmapNext(LunChannel lc, TaskState s) {
        byte[] p = s.params;
        while (s.index < s.blocks) {
            int i = s.index++;
            long lba = be(p, 8 + 16 * i, 8);
            long blocks = be(p, 16 + 16 * i, 4);
            if (blocks > 0) {
                s.task.io.set(IoType.UNMAP, lba, blocks, lc);
                lc.submit(s);
                return;
            }
        }
        Commands.good(s);
    }

    /** A task that waited for the scratch buffer got it. */
    static void resume(LunChannel lc, TaskState s) {
        if (s.killed != 0) {
            lc.releaseScratch();
            endKilled(lc, s);
            return;
        }
        if (s.step == SAME_PATTERN) {
            WriteSame.start(lc, s);
        } else {
            CompareAndWrite.start(lc, s);
        }
    }

    /** A bdev request of task {@code s} completed with {@code status}: the next step, or the end. */
    static void ioDone(LunChannel lc, TaskState s, int status) {
        ScsiTask t = s.task;
        t.io.clearSegments();
        boolean holdsScratch = s.step == SAME_PATTERN || s.step == CAW_READ;
        if (s.killed != 0) {
            if (holdsScratch) {
                lc.releaseScratch();
            }
            endKilled(lc, s);
            return;
        }
        if (status != BdevIo.SUCCESS) {
            if (holdsScratch) {
                lc.releaseScratch();
            }
            failIo(lc, s, status);
            return;
        }
        switch (s.step) {
            case DATA -> {
                t.setTransferred(s.done);
                Commands.good(s);
            }
            case DATA_THEN_FLUSH -> {
                t.setTransferred(s.done);
                s.step = FLUSH;
                t.io.set(IoType.FLUSH, 0, 0, lc);
                lc.submit(s);
            }
            case FLUSH, SAME_ONCE -> Commands.good(s);
            case UNMAP_NEXT -> unmapNext(lc, s);
            case SAME_PATTERN -> WriteSame.chunkDone(lc, s);
            case CAW_READ -> CompareAndWrite.readDone(lc, s);
            case CAW_WRITE -> CompareAndWrite.writeDone(lc, s);
            case CAW_FLUSH -> CompareAndWrite.end(lc, s);
            default -> throw new IllegalStateException("task step " + s.step);
        }
    }

    private static void endKilled(LunChannel lc, TaskState s) {
        CompareAndWrite.unlockIfHeld(lc, s);
        s.task.setStatus(ScsiTask.GOOD, 0);
        s.target.finish(s);
    }

    /** Maps a bdev failure to the sense a disk would return. */
    private static void failIo(LunChannel lc, TaskState s, int status) {
        Lun lun = lc.lun;
        CompareAndWrite.unlockIfHeld(lc, s);
        boolean desc = lun.descriptorSense;
        boolean reading = s.task.io.type() == IoType.READ;
        if (BdevIo.isNvmeError(status)) {
            int sense = NvmeStatusSense.of(BdevIo.nvmeStatus(status), reading);
            Commands.fail(s, desc, sense >>> 16, sense & 0xFFFF);
            return;
        }
        switch (status) {
            case BdevIo.INVALID -> Commands.fail(s, desc, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
            case BdevIo.UNSUPPORTED -> Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_OPCODE);
            case BdevIo.REMOVED -> Commands.fail(s, desc, NOT_READY, LUN_NOT_READY_REMOVED);
            case BdevIo.ABORTED -> Commands.fail(s, desc, ABORTED_COMMAND, ASC_NONE);
            default -> Commands.fail(s, desc, MEDIUM_ERROR, reading ? UNRECOVERED_READ_ERROR : WRITE_ERROR);
        }
    }

    /** True when [lba, lba + blocks) lies on the LU (no overflow). */
    static boolean inRange(Lun lun, long lba, long blocks) {
        long count = lun.blockCount();
        return lba >= 0 && blocks >= 0 && lba <= count && blocks <= count - lba;
    }
}
