package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Identify;
import io.jvhost.nvme.driver.ControllerData;
import io.jvhost.nvme.driver.NamespaceData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Turns Identify pages into {@link ControllerData} and {@link NamespaceData}. */
final class IdentifyParser {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    /** The driver's own limit: one PRP list page (512 entries) plus PRP1. */
    static final int DRIVER_MAX_TRANSFER = 512 * DmaBuffer.PAGE;

    private IdentifyParser() {
    }

    static ControllerData controller(MemorySegment page, long cap, int vs) {
        int mdts = page.get(ValueLayout.JAVA_BYTE, Identify.MDTS) & 0xFF;
        int mpsMin = DmaBuffer.PAGE << (int) ((cap >>> 48) & 0xF);
        long max = mdts == 0 ? DRIVER_MAX_TRANSFER : (long) mpsMin << mdts;
        return new ControllerData(page.get(U16, Identify.VID) & 0xFFFF, page.get(U16, Identify.SSVID) & 0xFFFF,
                text(page, Identify.SN, Identify.SN_BYTES), text(page, Identify.MN, Identify.MN_BYTES),
                text(page, Identify.FR, Identify.FR_BYTES),
                (vs >>> 16) + "." + ((vs >>> 8) & 0xFF) + "." + (vs & 0xFF), (int) Math.min(max, DRIVER_MAX_TRANSFER),
                page.get(U32, Identify.NN), page.get(U16, Identify.ONCS) & 0xFFFF,
                (page.get(ValueLayout.JAVA_BYTE, Identify.VWC) & 1) != 0,
                (page.get(U16, Identify.OACS) & Identify.OACS_DOORBELL_BUFFER_CONFIG) != 0, (int) (cap & 0xFFFF) + 1,
                text(page, Identify.SUBNQN, Identify.SUBNQN_BYTES));
    }

    /** Null for an inactive namespace (size 0). */
    static NamespaceData namespace(int nsid, MemorySegment page) {
        long size = page.get(U64, Identify.NSZE);
        if (size == 0) {
            return null;
        }
        int format = page.get(ValueLayout.JAVA_BYTE, Identify.FLBAS) & 0xF;
        int lbads = Identify.lbads(page.get(U32, Identify.LBAF0 + 4L * format));
        long hi = Long.reverseBytes(page.get(U64, Identify.NGUID));
        long lo = Long.reverseBytes(page.get(U64, Identify.NGUID + 8));
        return new NamespaceData(nsid, 1 << lbads, size, hi == 0 && lo == 0 ? null : new UUID(hi, lo));
    }

    /** An ASCII field padded with spaces (or NULs), trimmed. */
    static String text(MemorySegment page, int offset, int bytes) {
        byte[] b = page.asSlice(offset, bytes).toArray(ValueLayout.JAVA_BYTE);
        int end = b.length;
        while (end > 0 && (b[end - 1] == ' ' || b[end - 1] == 0)) {
            end--;
        }
        return new String(b, 0, end, StandardCharsets.US_ASCII);
    }
}
