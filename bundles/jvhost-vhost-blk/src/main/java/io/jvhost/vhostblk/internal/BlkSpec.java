package io.jvhost.vhostblk.internal;

/** virtio-blk numbers (virtio 1.2 section 5.2) in one place: features, request types, status, config layout. */
final class BlkSpec {
    static final int F_SIZE_MAX = 1, F_SEG_MAX = 2, F_RO = 5, F_BLK_SIZE = 6, F_FLUSH = 9, F_TOPOLOGY = 10, F_MQ = 12,
            F_DISCARD = 13, F_WRITE_ZEROES = 14;
    static final int T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13;
    static final byte S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;
    static final int HEADER_BYTES = 16;
    static final int RANGE_BYTES = 16;
    static final int ID_BYTES = 20;
    static final int SECTOR = 512;
    /** write_zeroes/discard range flag: the device may unmap. */
    static final int RANGE_F_UNMAP = 1;

    // config space offsets
    static final int CFG_CAPACITY = 0, CFG_SIZE_MAX = 8, CFG_SEG_MAX = 12, CFG_BLK_SIZE = 20, CFG_PHYS_BLOCK_EXP = 24,
            CFG_MIN_IO_SIZE = 26, CFG_OPT_IO_SIZE = 28, CFG_NUM_QUEUES = 34, CFG_MAX_DISCARD_SECTORS = 36,
            CFG_MAX_DISCARD_SEG = 40, CFG_DISCARD_ALIGN = 44, CFG_MAX_WZ_SECTORS = 48, CFG_MAX_WZ_SEG = 52,
            CFG_WZ_MAY_UNMAP = 56, CFG_SIZE = 60;

    /** Largest data buffer per descriptor and most data descriptors per request we advertise. */
    static final int SIZE_MAX = 128 * 1024, SEG_MAX = 126;
    /** Largest discard / write-zeroes range, in sectors (SPDK's limit). */
    static final int MAX_RANGE_SECTORS = 32768;

    private BlkSpec() {
    }
}
