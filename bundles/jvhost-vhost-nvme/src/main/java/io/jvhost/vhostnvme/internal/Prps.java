package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.nvme.Nvme;
import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Turns a command's PRP1/PRP2 into bdev data segments pointing straight into guest memory
 * (NVMe 1.4 4.3): the first entry may start inside a page, every other must be page aligned; PRP2
 * is the second page or, beyond two pages, a PRP list whose last entry chains to the next list page.
 * Every address is checked against guest memory; nothing is copied.
 */
final class Prps {
    private static final long PAGE = Nvme.PAGE;

    private Prps() {
    }

    /** Adds {@code bytes} of data to {@code io}; returns an NVMe status (SUCCESS or the error). */
    static int add(GuestMemory memory, BdevIo io, long prp1, long prp2, long bytes) {
        long first = Math.min(bytes, PAGE - (prp1 & (PAGE - 1)));
        if ((prp1 & 3) != 0) {
            return Nvme.INVALID_PRP_OFFSET;
        }
        int s = addRange(memory, io, prp1, first);
        if (s != Nvme.SUCCESS) {
            return s;
        }
        long left = bytes - first;
        if (left == 0) {
            return Nvme.SUCCESS;
        }
        if (left <= PAGE) {
            return (prp2 & (PAGE - 1)) != 0 ? Nvme.INVALID_PRP_OFFSET : addRange(memory, io, prp2, left);
        }
        // PRP2 points at a list; it may start inside a page (4.3: offset, dword aligned)
        if ((prp2 & 7) != 0) {
            return Nvme.INVALID_PRP_OFFSET;
        }
        long list = prp2;
        int hops = 0;
        while (left > 0) {
            long entriesInPage = (PAGE - (list & (PAGE - 1))) / 8;
            long h = memory.translate(list, entriesInPage * 8);
            if (h < 0) {
                return Nvme.DATA_TRANSFER_ERROR;
            }
            MemorySegment seg = memory.segment(h);
            long off = GuestMemory.offset(h);
            for (long e = 0; e < entriesInPage && left > 0; e++) {
                long entry = seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off + 8 * e);
                boolean last = e == entriesInPage - 1;
                if (last && left > PAGE) {
                    // the last entry of a full list page chains to the next list page
                    if ((entry & 7) != 0 || ++hops > 512) {
                        return Nvme.INVALID_PRP_OFFSET;
                    }
                    list = entry;
                    break;
                }
                if ((entry & (PAGE - 1)) != 0) {
                    return Nvme.INVALID_PRP_OFFSET;
                }
                long n = Math.min(left, PAGE);
                s = addRange(memory, io, entry, n);
                if (s != Nvme.SUCCESS) {
                    return s;
                }
                left -= n;
            }
        }
        return Nvme.SUCCESS;
    }

    /** Adds one guest-physical range, merging it into the previous segment when contiguous. */
    private static int addRange(GuestMemory memory, BdevIo io, long gpa, long len) {
        long h = memory.translate(gpa, len);
        if (h < 0) {
            return Nvme.DATA_TRANSFER_ERROR;
        }
        MemorySegment seg = memory.segment(h);
        long off = GuestMemory.offset(h);
        int n = io.segmentCount();
        if (n > 0 && io.segment(n - 1) == seg && io.segmentOffset(n - 1) + io.segmentLength(n - 1) == off) {
            io.extendLastSegment(len);
            return Nvme.SUCCESS;
        }
        return io.addSegment(seg, off, len) ? Nvme.SUCCESS : Nvme.DATA_TRANSFER_ERROR;
    }
}
