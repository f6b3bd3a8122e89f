package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.BlockCommands.SAME_ONCE;
import static io.jvhost.scsi.internal.BlockCommands.SAME_PATTERN;
import static io.jvhost.scsi.internal.BlockCommands.inRange;
import static io.jvhost.scsi.internal.Scsi.*;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.scsi.ScsiTask;
import java.lang.foreign.MemorySegment;

/**
 * WRITE SAME (10) and (16): a block of zeroes becomes one WRITE ZEROES or UNMAP request when the bdev
 * has it; any other block is repeated into the LU's scratch buffer and written chunk by chunk.
 */
final class WriteSame {
    private WriteSame() {
    }

    static void execute(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        byte[] cdb = t.cdb;
        Lun lun = lc.lun;
        boolean desc = lun.descriptorSense;
        boolean ten = s.opcode() == WRITE_SAME_10;
        long lba = ten ? be(cdb, 2, 4) : be(cdb, 2, 8);
        long blocks = ten ? be(cdb, 7, 2) : be(cdb, 10, 4);
        boolean unmapBit = (cdb[1] & 0x08) != 0;
        boolean noDataOut = !ten && (cdb[1] & 0x01) != 0;
        if ((cdb[1] & 0x10) != 0 || blocks == 0 || blocks > Inquiry.MAX_WRITE_SAME_BLOCKS) {
            // ANCHOR, or 0 blocks (WSNZ) or more than the Block Limits page allows
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!inRange(lun, lba, blocks)) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, LBA_OUT_OF_RANGE);
            return;
        }
        int bs = lun.blockSize;
        if (!noDataOut && (t.direction() != ScsiTask.Direction.TO_DEVICE || t.dataBytes() < bs)) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        if (!noDataOut) {
            t.setTransferred(bs);
        }
        s.lba = lba;
        s.blocks = blocks;
        s.done = 0;
        boolean zero = noDataOut || DataBuffer.isZero(t, 0, bs);
        if (zero && (lun.supportsWriteZeroes || unmapBit && lun.supportsUnmap)) {
            // unmapped blocks read back as zeroes (LBPRZ), so either request leaves zeroes behind
            IoType type = unmapBit && lun.supportsUnmap ? IoType.UNMAP : IoType.WRITE_ZEROES;
            s.step = SAME_ONCE;
            t.io.set(type, lba, blocks, lc);
            lc.submit(s);
            return;
        }
        s.step = SAME_PATTERN;
        if (lc.acquireScratch(s)) {
            start(lc, s);
        }
    }

    /** With the scratch buffer: fills it with the block to repeat, then writes the first chunk. */
    static void start(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        int bs = lc.lun.blockSize;
        MemorySegment scratch = lc.scratch();
        boolean noDataOut = s.opcode() == WRITE_SAME_16 && (t.cdb[1] & 0x01) != 0;
        if (noDataOut) {
            scratch.asSlice(0, bs).fill((byte) 0);
        } else {
            long copied = 0;
            for (int i = 0; i < t.segmentCount() && copied < bs; i++) {
                long n = Math.min(t.segmentLength(i), bs - copied);
                MemorySegment.copy(t.segment(i), t.segmentOffset(i), scratch, copied, n);
                copied += n;
            }
        }
        long chunkBlocks = Math.max(1, LunChannel.SCRATCH_BYTES / bs);
        for (long k = 1; k < chunkBlocks; k++) {
            MemorySegment.copy(scratch, 0, scratch, k * bs, bs);
        }
        nextChunk(lc, s);
    }

    /** A chunk was written: the next one, or the end (the scratch buffer goes back). */
    static void chunkDone(LunChannel lc, TaskState s) {
        if (s.done < s.blocks) {
            nextChunk(lc, s);
        } else {
            lc.releaseScratch();
            Commands.good(s);
        }
    }

    private static void nextChunk(LunChannel lc, TaskState s) {
        int bs = lc.lun.blockSize;
        long chunkBlocks = Math.max(1, LunChannel.SCRATCH_BYTES / bs);
        long n = Math.min(chunkBlocks, s.blocks - s.done);
        BdevIo io = s.task.io;
        io.set(IoType.WRITE, s.lba + s.done, n, lc);
        io.addSegment(lc.scratch(), 0, n * bs);
        s.done += n;
        lc.submit(s);
    }
}
