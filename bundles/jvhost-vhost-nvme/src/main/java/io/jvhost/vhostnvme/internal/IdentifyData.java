package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Identify;
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
        s.set(U16, Identify.VID, (short) 0x1d0f); // PCI vendor id, as a virtual device would report one
        s.set(U16, Identify.SSVID, (short) 0x1d0f);
        ascii(d, Identify.SN, Identify.SN_BYTES, serial);
        ascii(d, Identify.MN, Identify.MN_BYTES, "jvhost NVMe controller");
        ascii(d, Identify.FR, Identify.FR_BYTES, "0.1");
        d[Identify.RAB] = 6; // recommended arbitration burst
        d[Identify.MDTS] = MDTS;
        s.set(U16, Identify.CNTLID, (short) 1);
        s.set(U32, Identify.VER, 0x00010400); // 1.4
        s.set(U32, Identify.OAES, Identify.OAES_NAMESPACE_ATTRIBUTE);
        s.set(U16, Identify.OACS, (short) (doorbellBuffer ? Identify.OACS_DOORBELL_BUFFER_CONFIG : 0));
        d[Identify.ACL] = 3; // abort command limit (0-based)
        d[Identify.AERL] = 3; // asynchronous event request limit (0-based)
        d[Identify.FRMW] = 0x02; // firmware: slot 1 only, read only
        d[Identify.LPA] = 0x02; // log page attributes: extended data for Get Log Page
        d[Identify.ELPE] = 0; // error log page entries (0-based)
        d[Identify.SQES] = 0x66; // SQ entry size: 64 bytes
        d[Identify.CQES] = 0x44; // CQ entry size: 16 bytes
        s.set(U32, Identify.NN, namespaces);
        s.set(U16, Identify.ONCS, (short) (Identify.ONCS_COMPARE | Identify.ONCS_DATASET_MANAGEMENT
                | Identify.ONCS_WRITE_ZEROES));
        d[Identify.VWC] = (byte) (writeCache ? 1 : 0); // volatile write cache present
        s.set(U32, Identify.SGLS, 1); // SGLs for data, no alignment requirement
        ascii(d, Identify.SUBNQN, Identify.SUBNQN_BYTES, "nqn.2026-11.io.jvhost:" + serial);
        return d;
    }

    static byte[] namespace(Namespace ns) {
        byte[] d = new byte[Nvme.PAGE];
        MemorySegment s = MemorySegment.ofArray(d);
        long blocks = ns.bdev.blockCount();
        s.set(U64, Identify.NSZE, blocks);
        s.set(U64, Identify.NCAP, blocks);
        s.set(U64, Identify.NUSE, blocks);
        d[Identify.NSFEAT] = (byte) (ns.unmap ? 1 : 0); // thin provisioning
        d[Identify.NLBAF] = 0; // one LBA format
        d[Identify.FLBAS] = 0; // format 0 in use
        System.arraycopy(uuidBytes(ns.bdev.uuid()), 0, d, Identify.NGUID, 16);
        s.set(U32, Identify.LBAF0, (Integer.numberOfTrailingZeros(ns.blockSize) & 0xFF) << 16); // LBADS
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
        d[0] = Identify.NIDT_UUID;
        d[1] = Identify.NIDL_UUID;
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
