package io.jvhost.nvme;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A 16-byte completion queue entry: DW0, DW1, SQ head, SQ id, command id, and the status field
 * with the phase tag in bit 0. The status half-word is written last so a polling driver never sees
 * a new phase before the rest of the entry.
 */
public final class Cqe {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    public static final int DW0 = 0, DW1 = 4, SQHD = 8, SQID = 10, CID = 12, STATUS = 14;

    private Cqe() {
    }

    /** Writes everything but the status half-word. */
    public static void writeBody(MemorySegment s, long at, int dw0, int sqHead, int sqId, int cid) {
        s.set(U32, at + DW0, dw0);
        s.set(U32, at + DW1, 0);
        s.set(U16, at + SQHD, (short) sqHead);
        s.set(U16, at + SQID, (short) sqId);
        s.set(U16, at + CID, (short) cid);
    }

    /** The status half-word: status code (SCT << 8 | SC, plus {@link Nvme#DNR}) and phase. */
    public static short statusField(int status, boolean phase) {
        int sc = status & 0xFF;
        int sct = (status >>> 8) & 0x7;
        int dnr = (status & Nvme.DNR) != 0 ? 1 : 0;
        return (short) ((phase ? 1 : 0) | sc << 1 | sct << 9 | dnr << 15);
    }

    public static boolean phase(MemorySegment s, long at) {
        return (s.get(U16, at + STATUS) & 1) != 0;
    }

    /** SCT << 8 | SC of an entry (without DNR and phase). */
    public static int status(MemorySegment s, long at) {
        int f = s.get(U16, at + STATUS) & 0xFFFF;
        return ((f >>> 9) & 0x7) << 8 | ((f >>> 1) & 0xFF);
    }

    public static int cid(MemorySegment s, long at) {
        return s.get(U16, at + CID) & 0xFFFF;
    }

    public static int sqHead(MemorySegment s, long at) {
        return s.get(U16, at + SQHD) & 0xFFFF;
    }

    public static int dw0(MemorySegment s, long at) {
        return s.get(U32, at + DW0);
    }
}
