package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoType;
import io.jvhost.memory.GuestMemory;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Sqe;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The NVM command set as bdev requests: Read and Write straight from and into guest memory through
 * the command's PRPs or SGL, Flush, Write Zeroes, Dataset Management (deallocate: one unmap per range,
 * one after another) and Compare (read aside, compared on completion). Each command ends exactly once,
 * through {@link SubmissionQueue#finish} or a bdev completion.
 */
final class IoCommands {
    private IoCommands() {
    }

    /** Starts command {@code r} of namespace {@code r.ns}, whose entry is at {@code at} in {@code ring}. */
    static void execute(SubmissionQueue q, NvmeRequest r, MemorySegment ring, long at, GuestMemory memory) {
        Namespace ns = r.ns;
        BdevIo io = r.io;
        int opcode = Sqe.opcode(ring, at);
        switch (opcode) {
            case Nvme.IO_READ, Nvme.IO_WRITE -> {
                long slba = Sqe.slba(ring, at);
                int blocks = Sqe.blocks(ring, at);
                if (!inRange(ns, slba, blocks)) {
                    q.finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
                    return;
                }
                io.set(opcode == Nvme.IO_READ ? IoType.READ : IoType.WRITE, slba, blocks, r);
                if (addData(q, r, ring, at, memory, (long) blocks * ns.blockSize)) {
                    q.submit(r);
                }
            }
            case Nvme.IO_FLUSH -> {
                if (!ns.flush) {
                    q.finish(r, Nvme.SUCCESS);
                    return;
                }
                io.set(IoType.FLUSH, 0, 0, r);
                q.submit(r);
            }
            case Nvme.IO_WRITE_ZEROES -> {
                long slba = Sqe.slba(ring, at);
                int blocks = Sqe.blocks(ring, at);
                if (!inRange(ns, slba, blocks)) {
                    q.finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
                    return;
                }
                io.set(ns.writeZeroes ? IoType.WRITE_ZEROES : IoType.UNMAP, slba, blocks, r);
                q.submit(r);
            }
            case Nvme.IO_DATASET_MANAGEMENT -> deallocate(q, r, ring, at, memory);
            case Nvme.IO_COMPARE -> compare(q, r, ring, at, memory);
            default -> q.finish(r, Nvme.INVALID_OPCODE | Nvme.DNR);
        }
    }

    /**
     * Adds the command's data (PRPs for PSDT 00b, an SGL for 01b) to its request; false when the
     * descriptors are bad, and then the command has ended with their status.
     */
    private static boolean addData(SubmissionQueue q, NvmeRequest r, MemorySegment ring, long at, GuestMemory memory,
            long bytes) {
        int s = Sqe.psdt(ring, at) == 0 ? Prps.add(memory, r.io, Sqe.prp1(ring, at), Sqe.prp2(ring, at), bytes)
                : Sgls.add(memory, r.io, ring, at + Sqe.PRP1, bytes);
        if (s != Nvme.SUCCESS) {
            r.io.clearSegments();
            q.finish(r, s | Nvme.DNR);
            return false;
        }
        return true;
    }

    /** Dataset Management with the deallocate attribute: each range becomes an unmap, one after another. */
    private static void deallocate(SubmissionQueue q, NvmeRequest r, MemorySegment ring, long at, GuestMemory memory) {
        Namespace ns = r.ns;
        int count = (Sqe.cdw(ring, at, 10) & 0xFF) + 1;
        boolean ad = (Sqe.cdw(ring, at, 11) & 0x4) != 0;
        if (!ad || !ns.unmap) {
            q.finish(r, Nvme.SUCCESS); // attributes are hints; only deallocate has an effect
            return;
        }
        BdevIo io = r.io;
        io.set(IoType.READ, 0, 0, r);
        if (!addData(q, r, ring, at, memory, 16L * count)) {
            return;
        }
        if (r.ranges == null) {
            r.ranges = new long[2 * 256]; // once per request slot, the first time it deallocates
        }
        // gather the 16-byte ranges {attributes, blocks, starting LBA} out of guest memory
        MemorySegment scratch = q.rangeScratch;
        long done = 0;
        for (int i = 0; i < io.segmentCount(); i++) {
            long n = io.segmentLength(i);
            MemorySegment.copy(io.segment(i), io.segmentOffset(i), scratch, done, n);
            done += n;
        }
        io.clearSegments();
        for (int i = 0; i < count; i++) {
            long blocks = scratch.get(ValueLayout.JAVA_INT_UNALIGNED, 16L * i + 4) & 0xFFFFFFFFL;
            long slba = scratch.get(ValueLayout.JAVA_LONG_UNALIGNED, 16L * i + 8);
            if (!inRange(ns, slba, blocks)) {
                q.finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
                return;
            }
            r.ranges[2 * i] = slba;
            r.ranges[2 * i + 1] = blocks;
        }
        r.rangeIndex = 0;
        r.rangeCount = count;
        nextRange(q, r);
    }

    /** The next non-empty range of a deallocate as an unmap, or the command's end. */
    static void nextRange(SubmissionQueue q, NvmeRequest r) {
        while (r.rangeIndex < r.rangeCount) {
            int i = r.rangeIndex++;
            if (r.ranges[2 * i + 1] > 0) {
                r.io.set(IoType.UNMAP, r.ranges[2 * i], r.ranges[2 * i + 1], r);
                q.submit(r);
                return;
            }
        }
        r.rangeCount = 0;
        q.finish(r, Nvme.SUCCESS);
    }

    /** Compare: read the blocks aside, then compare them with the guest's buffers (on completion). */
    private static void compare(SubmissionQueue q, NvmeRequest r, MemorySegment ring, long at, GuestMemory memory) {
        Namespace ns = r.ns;
        long slba = Sqe.slba(ring, at);
        int blocks = Sqe.blocks(ring, at);
        if (!inRange(ns, slba, blocks)) {
            q.finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
            return;
        }
        long bytes = (long) blocks * ns.blockSize;
        if (bytes > (long) Nvme.PAGE << IdentifyData.MDTS) {
            q.finish(r, Nvme.INVALID_FIELD | Nvme.DNR);
            return;
        }
        BdevIo io = r.io;
        io.set(IoType.READ, slba, blocks, r);
        if (!addData(q, r, ring, at, memory, bytes)) {
            return;
        }
        r.compare.keep(io, bytes); // the guest's buffers stay mapped: the queue drains before memory goes
        io.clearSegments();
        io.set(IoType.READ, slba, blocks, r);
        io.addSegment(r.compare.readBack(), 0, bytes);
        q.submit(r);
    }

    /** True when [slba, slba + blocks) is a non-empty range on the namespace (no overflow). */
    private static boolean inRange(Namespace ns, long slba, long blocks) {
        long count = ns.bdev.blockCount();
        return slba >= 0 && blocks > 0 && slba <= count && blocks <= count - slba;
    }
}
