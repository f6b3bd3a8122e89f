package io.jvhost.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Fields of a 64-byte submission queue entry at {@code at} in {@code s}. */
public final class Sqe {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    public static final int OPCODE = 0, FLAGS = 1, CID = 2, NSID = 4, MPTR = 16, PRP1 = 24, PRP2 = 32, CDW10 = 40,
            CDW11 = 44, CDW12 = 48, CDW13 = 52, CDW14 = 56, CDW15 = 60;

    private Sqe() {
    }

    public static int opcode(MemorySegment s, long at) {
        return s.get(ValueLayout.JAVA_BYTE, at + OPCODE) & 0xFF;
    }

    /** PSDT: 0 PRPs, 1 or 2 SGLs. */
    public static int psdt(MemorySegment s, long at) {
        return (s.get(ValueLayout.JAVA_BYTE, at + FLAGS) >>> 6) & 3;
    }

    public static int cid(MemorySegment s, long at) {
        return s.get(U16, at + CID) & 0xFFFF;
    }

    public static int nsid(MemorySegment s, long at) {
        return s.get(U32, at + NSID);
    }

    public static long prp1(MemorySegment s, long at) {
        return s.get(U64, at + PRP1);
    }

    public static long prp2(MemorySegment s, long at) {
        return s.get(U64, at + PRP2);
    }

    /** CDW10..CDW15 as {@code cdw(s, at, 10)}. */
    public static int cdw(MemorySegment s, long at, int n) {
        return s.get(U32, at + CDW10 + 4L * (n - 10));
    }

    /** Starting LBA of a Read/Write/Compare/Write Zeroes (CDW10-11). */
    public static long slba(MemorySegment s, long at) {
        return s.get(U64, at + CDW10);
    }

    /** Number of logical blocks of a Read/Write/Compare/Write Zeroes (CDW12 bits 15:0 are 0-based). */
    public static int blocks(MemorySegment s, long at) {
        return (s.get(U32, at + CDW12) & 0xFFFF) + 1;
    }

    /** Fills an entry (for drivers and tests). */
    public static void write(MemorySegment s, long at, int opcode, int cid, int nsid, long prp1, long prp2, int cdw10,
            int cdw11, int cdw12) {
        s.asSlice(at, Nvme.SQE_BYTES).fill((byte) 0);
        s.set(ValueLayout.JAVA_BYTE, at + OPCODE, (byte) opcode);
        s.set(U16, at + CID, (short) cid);
        s.set(U32, at + NSID, nsid);
        s.set(U64, at + PRP1, prp1);
        s.set(U64, at + PRP2, prp2);
        s.set(U32, at + CDW10, cdw10);
        s.set(U32, at + CDW11, cdw11);
        s.set(U32, at + CDW12, cdw12);
    }
}
