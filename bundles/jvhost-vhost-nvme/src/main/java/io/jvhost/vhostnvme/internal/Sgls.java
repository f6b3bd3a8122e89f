package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.nvme.Nvme;
import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Turns a command's SGL (NVMe 1.4 4.4; PSDT 01b) into bdev data segments in guest memory: SGL1 in
 * the command is a Data Block, or a Segment / Last Segment pointing at a list of descriptors whose
 * last one may chain to the next list. Data Block descriptors only carry data; bit buckets, keyed or
 * transport descriptors are refused. Every address is checked against guest memory.
 */
final class Sgls {
    private static final int MAX_LISTS = 256;

    private Sgls() {
    }

    /** Adds {@code bytes} of data described by the SGL at {@code sgl1} in the command; returns an NVMe status. */
    static int add(GuestMemory memory, BdevIo io, MemorySegment cmd, long sgl1, long bytes) {
        long[] left = {bytes};
        int type = type(cmd, sgl1);
        if (type == Nvme.SGL_DATA_BLOCK) {
            return finish(data(memory, io, cmd, sgl1, left), left);
        }
        if (type != Nvme.SGL_SEGMENT && type != Nvme.SGL_LAST_SEGMENT) {
            return Nvme.SGL_TYPE_INVALID;
        }
        long list = address(cmd, sgl1);
        long length = length(cmd, sgl1);
        boolean last = type == Nvme.SGL_LAST_SEGMENT;
        for (int hops = 0; hops < MAX_LISTS; hops++) {
            if (length == 0 || length % Nvme.SGL_DESCRIPTOR_BYTES != 0) {
                return Nvme.INVALID_SGL_DESCRIPTOR;
            }
            long h = memory.translate(list, length);
            if (h < 0) {
                return Nvme.DATA_TRANSFER_ERROR;
            }
            MemorySegment seg = memory.segment(h);
            long off = GuestMemory.offset(h);
            int count = (int) (length / Nvme.SGL_DESCRIPTOR_BYTES);
            for (int i = 0; i < count; i++) {
                long d = off + (long) i * Nvme.SGL_DESCRIPTOR_BYTES;
                int t = type(seg, d);
                if (t == Nvme.SGL_DATA_BLOCK) {
                    int s = data(memory, io, seg, d, left);
                    if (s != Nvme.SUCCESS) {
                        return s;
                    }
                } else if ((t == Nvme.SGL_SEGMENT || t == Nvme.SGL_LAST_SEGMENT) && !last && i == count - 1) {
                    // the last descriptor of a (non-last) segment chains to the next list
                    list = address(seg, d);
                    length = length(seg, d);
                    last = t == Nvme.SGL_LAST_SEGMENT;
                    break;
                } else {
                    return Nvme.SGL_TYPE_INVALID;
                }
                if (i == count - 1) {
                    return last ? finish(Nvme.SUCCESS, left) : Nvme.INVALID_SGL_DESCRIPTOR;
                }
            }
        }
        return Nvme.INVALID_SGL_COUNT;
    }

    private static int finish(int status, long[] left) {
        return status != Nvme.SUCCESS ? status : left[0] > 0 ? Nvme.DATA_SGL_LENGTH_INVALID : Nvme.SUCCESS;
    }

    /** One Data Block: as much of it as the transfer still needs. */
    private static int data(GuestMemory memory, BdevIo io, MemorySegment s, long d, long[] left) {
        long n = Math.min(length(s, d), left[0]);
        if (n == 0) {
            return Nvme.SUCCESS;
        }
        long h = memory.translate(address(s, d), n);
        if (h < 0) {
            return Nvme.DATA_TRANSFER_ERROR;
        }
        if (!io.addSegment(memory.segment(h), GuestMemory.offset(h), n)) {
            return Nvme.INVALID_SGL_COUNT;
        }
        left[0] -= n;
        return Nvme.SUCCESS;
    }

    private static long address(MemorySegment s, long d) {
        return s.get(ValueLayout.JAVA_LONG_UNALIGNED, d);
    }

    private static long length(MemorySegment s, long d) {
        return s.get(ValueLayout.JAVA_INT_UNALIGNED, d + 8) & 0xFFFFFFFFL;
    }

    private static int type(MemorySegment s, long d) {
        return (s.get(ValueLayout.JAVA_BYTE, d + 15) >>> 4) & 0xF;
    }
}
