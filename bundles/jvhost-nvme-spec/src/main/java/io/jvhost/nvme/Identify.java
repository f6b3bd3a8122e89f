package io.jvhost.nvme;

/** Byte offsets in the 4 KiB Identify data structures (NVMe 1.4 figures 247 and 249). */
public final class Identify {
    // Identify Controller (CNS 01h)
    public static final int VID = 0, SSVID = 2, SN = 4, SN_BYTES = 20, MN = 24, MN_BYTES = 40, FR = 64, FR_BYTES = 8,
            RAB = 72, MDTS = 77, CNTLID = 78, VER = 80, OAES = 92, OACS = 256, ACL = 258, AERL = 259, FRMW = 260,
            LPA = 261, ELPE = 262, SQES = 512, CQES = 513, NN = 516, ONCS = 520, VWC = 525, SGLS = 536, SUBNQN = 768,
            SUBNQN_BYTES = 256;
    /** OACS bit: Doorbell Buffer Config supported. */
    public static final int OACS_DOORBELL_BUFFER_CONFIG = 1 << 8;
    /** ONCS bits. */
    public static final int ONCS_COMPARE = 1, ONCS_DATASET_MANAGEMENT = 1 << 2, ONCS_WRITE_ZEROES = 1 << 3;
    /** OAES bit: namespace attribute notices. */
    public static final int OAES_NAMESPACE_ATTRIBUTE = 1 << 8;

    // Identify Namespace (CNS 00h)
    public static final int NSZE = 0, NCAP = 8, NUSE = 16, NSFEAT = 24, NLBAF = 25, FLBAS = 26, NGUID = 104,
            LBAF0 = 128;

    // Namespace Identification Descriptor (CNS 03h)
    public static final int NIDT_UUID = 0x03, NIDL_UUID = 16;

    private Identify() {
    }

    /** LBADS (log2 of the block size) of LBA format 0's dword. */
    public static int lbads(int lbaFormat) {
        return (lbaFormat >>> 16) & 0xFF;
    }
}
