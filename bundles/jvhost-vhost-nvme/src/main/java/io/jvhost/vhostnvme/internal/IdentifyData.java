package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Nvme;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** Identify data structures (NVMe 1.4 5.15.2): controller, namespace, active namespace list, descriptors. */
final class IdentifyData {
    static final int MDTS = 5; // 2^5 pages = 128 KiB per command
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    private IdentifyData() {
    }

    static byte[] controller(String serial, int namespaces, boolean doorbellBuffer, boolean writeCache) {
        byte[] d = new byte[Nvme.PAGE];
        MemorySegment s = MemorySegment.ofArray(d);
        s.set(U16, 0, (short) 0x1d0f); // PCI vendor id, as a virtual device would report one
        s.set(U16, 2, (short) 0x1d0f);
        ascii(d, 4, 20, serial);
        ascii(d, 24, 40, "jvhost NVMe controller");
        ascii(d, 64, 8, "0.1");
        d[72] = 6; // recommended arbitration burst
        d[77] = MDTS;
        s.set(U16, 78, (short) 1); // controller id
        s.set(U32, 80, 0x00010400); // version 1.4
        s.set(U16, 256, (short) (doorbellBuffer ? 1 << 8 : 0)); // OACS: Doorbell Buffer Config
        d[258] = 3; // abort command limit (0-based)
        d[259] = 3; // asynchronous event request limit (0-based)
        d[260] = 0x02; // firmware: slot 1 only, read only
        d[261] = 0x02; // log page attributes: extended data for Get Log Page
        MemorySegment.ofArray(d).set(ValueLayout.JAVA_INT_UNALIGNED, 92, 1 << 8); // OAES: namespace attribute notices
        d[262] = 0; // error log page entries (0-based)
        d[512] = 0x66; // SQ entry size: 64 bytes
        d[513] = 0x44; // CQ entry size: 16 bytes
        s.set(U32, 516, namespaces); // number of namespaces
        s.set(U16, 520, (short) (1 | 1 << 2 | 1 << 3)); // ONCS: compare, dataset management, write zeroes
        d[525] = (byte) (writeCache ? 1 : 0); // volatile write cache present
        s.set(U32, 536, 1); // SGLS: SGLs for data, no alignment requirement
        ascii(d, 768, 256, "nqn.2026-11.io.jvhost:" + serial);
        return d;
    }

    static byte[] namespace(Namespace ns) {
        byte[] d = new byte[Nvme.PAGE];
        MemorySegment s = MemorySegment.ofArray(d);
        long blocks = ns.bdev.blockCount();
        s.set(U64, 0, blocks); // size
        s.set(U64, 8, blocks); // capacity
        s.set(U64, 16, blocks); // utilization
        d[24] = (byte) (ns.unmap ? 1 : 0); // thin provisioning
        d[25] = 0; // one LBA format
        d[26] = 0; // format 0 in use
        byte[] nguid = uuidBytes(ns.bdev.uuid());
        System.arraycopy(nguid, 0, d, 104, 16); // NGUID
        s.set(U32, 128, (Integer.numberOfTrailingZeros(ns.blockSize) & 0xFF) << 16); // LBA format 0: LBADS
        return d;
    }

    static byte[] activeNamespaces(int[] nsids, int after) {
        byte[] d = new byte[Nvme.PAGE];
        MemorySegment s = MemorySegment.ofArray(d);
        int n = 0;
        for (int id : nsids) {
            if (Integer.compareUnsigned(id, after) > 0 && n < 1024) {
                s.set(U32, 4L * n++, id);
            }
        }
        return d;
    }

    static byte[] descriptors(Namespace ns) {
        byte[] d = new byte[Nvme.PAGE];
        d[0] = 0x03; // NIDT: UUID
        d[1] = 16;
        System.arraycopy(uuidBytes(ns.bdev.uuid()), 0, d, 4, 16);
        return d;
    }

    static byte[] uuidBytes(UUID u) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (u.getMostSignificantBits() >>> (56 - 8 * i));
            b[8 + i] = (byte) (u.getLeastSignificantBits() >>> (56 - 8 * i));
        }
        return b;
    }

    private static void ascii(byte[] d, int at, int width, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < width; i++) {
            d[at + i] = i < b.length ? b[i] : (byte) ' ';
        }
    }
}
