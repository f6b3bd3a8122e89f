package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/** INQUIRY: standard data and the VPD pages 00, 80, 83, 86, B0, B1, B2 (SPC-4 6.6, 7.8; SBC-3 6.6). */
final class Inquiry {
    static final String VENDOR = "JVHOST";
    static final int[] PAGES = {0x00, 0x80, 0x83, 0x86, 0xB0, 0xB1, 0xB2};
    /** Limits we advertise in the Block Limits page (and enforce in {@link BlockCommands}). */
    static final int MAX_UNMAP_DESCRIPTORS = 32;
    static final long MAX_UNMAP_BLOCKS = 1L << 22;
    static final long MAX_WRITE_SAME_BLOCKS = 1L << 22;

    private Inquiry() {
    }

    static void execute(TaskState s, Lun lun) {
        byte[] cdb = s.task.cdb;
        int allocation = (int) be(cdb, 3, 2);
        boolean evpd = (cdb[1] & 0x01) != 0;
        int page = cdb[2] & 0xFF;
        byte[] r = s.target.response;
        if ((cdb[1] & 0x02) != 0 || (!evpd && page != 0)) {
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        int n;
        if (!evpd) {
            n = standard(r, lun);
        } else {
            Arrays.fill(r, 0, 256, (byte) 0);
            r[1] = (byte) page;
            n = switch (page) {
                case 0x00 -> supportedPages(r);
                case 0x80 -> serial(r, lun);
                case 0x83 -> identification(r, lun);
                case 0x86 -> extended(r);
                case 0xB0 -> blockLimits(r, lun);
                case 0xB1 -> characteristics(r);
                case 0xB2 -> provisioning(r, lun);
                default -> -1;
            };
            if (n < 0) {
                Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
                return;
            }
            putBe(r, 2, 2, n - 4);
        }
        Commands.respond(s, r, n, allocation);
    }

    private static int standard(byte[] r, Lun lun) {
        Arrays.fill(r, 0, 74, (byte) 0);
        r[0] = 0x00; // connected direct-access block device
        r[2] = 0x06; // SPC-4
        r[3] = 0x12; // HISUP, response data format 2
        r[7] = 0x02; // CMDQUE
        ascii(r, 8, 8, VENDOR);
        ascii(r, 16, 16, lun.bdev.productName());
        ascii(r, 32, 4, "0001");
        putBe(r, 58, 2, 0x00A0); // SAM-5
        putBe(r, 60, 2, 0x0460); // SPC-4
        putBe(r, 62, 2, 0x04C0); // SBC-3
        r[4] = 74 - 5;
        return 74;
    }

    private static int supportedPages(byte[] r) {
        for (int i = 0; i < PAGES.length; i++) {
            r[4 + i] = (byte) PAGES[i];
        }
        return 4 + PAGES.length;
    }

    /** Unit serial number: the bdev's uuid, stable across restarts (save_config keeps it). */
    private static int serial(byte[] r, Lun lun) {
        String serial = serial(lun);
        ascii(r, 4, serial.length(), serial);
        return 4 + serial.length();
    }

    static String serial(Lun lun) {
        return lun.bdev.uuid().toString().replace("-", "");
    }

    private static int identification(byte[] r, Lun lun) {
        int at = 4;
        // NAA IEEE Registered Extended, from the uuid: what Linux names /dev/disk/by-id/wwn-0x6...
        r[at] = 0x01; // binary
        r[at + 1] = 0x03; // associated with the LU, type NAA
        r[at + 3] = 16;
        byte[] naa = naa(lun.bdev.uuid());
        System.arraycopy(naa, 0, r, at + 4, 16);
        at += 20;
        // T10 vendor identification: vendor, then the serial
        String t10 = String.format("%-8s", VENDOR) + serial(lun);
        r[at] = 0x02; // ASCII
        r[at + 1] = 0x01; // associated with the LU, type T10 vendor ID
        r[at + 3] = (byte) t10.length();
        ascii(r, at + 4, t10.length(), t10);
        at += 4 + t10.length();
        // relative target port 1
        r[at] = 0x01;
        r[at + 1] = 0x14; // associated with the target port, type relative target port
        r[at + 3] = 4;
        putBe(r, at + 6, 2, 1);
        at += 8;
        return at;
    }

    static byte[] naa(UUID uuid) {
        byte[] b = new byte[16];
        putBe(b, 0, 8, uuid.getMostSignificantBits());
        putBe(b, 8, 8, uuid.getLeastSignificantBits());
        b[0] = (byte) (0x60 | (b[0] & 0x0F));
        return b;
    }

    private static int extended(byte[] r) {
        r[5] = 0x07; // HEADSUP, ORDSUP, SIMPSUP: every task attribute is accepted
        return 64;
    }

    static int maxCompareAndWriteBlocks(Lun lun) {
        return Math.min(255, LunChannel.SCRATCH_BYTES / lun.blockSize);
    }

    private static int blockLimits(byte[] r, Lun lun) {
        r[4] = 0x01; // WSNZ: WRITE SAME with 0 blocks is refused
        r[5] = (byte) maxCompareAndWriteBlocks(lun);
        putBe(r, 6, 2, 1);
        putBe(r, 12, 4, lun.bdev.optimalIoBoundary());
        if (lun.supportsUnmap) {
            putBe(r, 20, 4, MAX_UNMAP_BLOCKS);
            putBe(r, 24, 4, MAX_UNMAP_DESCRIPTORS);
            putBe(r, 28, 4, 1);
        }
        putBe(r, 36, 8, MAX_WRITE_SAME_BLOCKS);
        return 64;
    }

    private static int characteristics(byte[] r) {
        putBe(r, 4, 2, 1); // non-rotating medium
        return 64;
    }

    private static int provisioning(byte[] r, Lun lun) {
        if (lun.supportsUnmap) {
            r[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04); // LBPU, LBPWS, LBPWS10, LBPRZ
            r[6] = 0x02; // thin provisioned
        }
        return 8;
    }

    private static void ascii(byte[] r, int at, int width, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < width; i++) {
            r[at + i] = i < b.length ? b[i] : (byte) ' ';
        }
    }
}
