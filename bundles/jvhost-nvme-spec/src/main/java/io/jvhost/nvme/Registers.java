package io.jvhost.nvme;

/** Controller registers in BAR0 (NVMe 1.4 3.1) with a 4-byte doorbell stride (CAP.DSTRD = 0). */
public final class Registers {
    public static final int CAP = 0x00, VS = 0x08, INTMS = 0x0C, INTMC = 0x10, CC = 0x14, CSTS = 0x1C, NSSR = 0x20,
            AQA = 0x24, ASQ = 0x28, ACQ = 0x30, DOORBELLS = 0x1000;
    /** CC.EN and CSTS.RDY / CSTS.CFS bits. */
    public static final int CC_EN = 1, CSTS_RDY = 1, CSTS_CFS = 2;

    private Registers() {
    }

    /** Offset of queue {@code qid}'s submission queue tail doorbell. */
    public static int sqTailDoorbell(int qid) {
        return DOORBELLS + 8 * qid;
    }

    /** Offset of queue {@code qid}'s completion queue head doorbell. */
    public static int cqHeadDoorbell(int qid) {
        return DOORBELLS + 8 * qid + 4;
    }
}
