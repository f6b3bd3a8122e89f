package io.jvhost.frontend;

/** virtio-blk request types, status values and feature bits (virtio 1.2 section 5.2). */
public final class BlkRequests {
    public static final int T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8, T_DISCARD = 11, T_WRITE_ZEROES = 13;
    public static final int S_OK = 0, S_IOERR = 1, S_UNSUPP = 2;
    public static final int F_SIZE_MAX = 1, F_SEG_MAX = 2, F_RO = 5, F_BLK_SIZE = 6, F_FLUSH = 9, F_TOPOLOGY = 10,
            F_MQ = 12, F_DISCARD = 13, F_WRITE_ZEROES = 14;
    /** The id string GET_ID returns is at most this long. */
    public static final int ID_BYTES = 20;

    private BlkRequests() {
    }

    /** True when the device writes the data buffer (the driver reads it). */
    public static boolean deviceWrites(int type) {
        return type == T_IN || type == T_GET_ID;
    }
}
