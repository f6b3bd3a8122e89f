package io.jvhost.vhostuser.internal;

/** vhost-user numbers (QEMU docs/interop/vhost-user.rst), in one place. */
final class Protocol {
    static final int HEADER_SIZE = 12;
    static final int MAX_PAYLOAD = 4096;
    /** Largest reply: a device message may answer with more than a request carries (NVMe Identify data). */
    static final int MAX_REPLY = 8192;
    static final int VERSION = 0x1, FLAG_REPLY = 0x4, FLAG_NEED_REPLY = 0x8;

    static final int GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, RESET_OWNER = 4, SET_MEM_TABLE = 5,
            SET_LOG_BASE = 6, SET_LOG_FD = 7, SET_VRING_NUM = 8, SET_VRING_ADDR = 9, SET_VRING_BASE = 10,
            GET_VRING_BASE = 11, SET_VRING_KICK = 12, SET_VRING_CALL = 13, SET_VRING_ERR = 14,
            GET_PROTOCOL_FEATURES = 15, SET_PROTOCOL_FEATURES = 16, GET_QUEUE_NUM = 17, SET_VRING_ENABLE = 18,
            SET_BACKEND_REQ_FD = 21, GET_CONFIG = 24, SET_CONFIG = 25, GET_INFLIGHT_FD = 31, SET_INFLIGHT_FD = 32, RESET_DEVICE = 34, GET_MAX_MEM_SLOTS = 36,
            ADD_MEM_REG = 37, REM_MEM_REG = 38, SET_STATUS = 39, GET_STATUS = 40;

    /** Back-end to front-end: the device's config space changed. */
    static final int BACKEND_CONFIG_CHANGE_MSG = 2;

    static final int PF_MQ = 0, PF_REPLY_ACK = 3, PF_BACKEND_REQ = 5, PF_CONFIG = 9, PF_INFLIGHT_SHMFD = 12,
            PF_RESET_DEVICE = 13, PF_CONFIGURE_MEM_SLOTS = 15, PF_STATUS = 16;
    static final long PROTOCOL_FEATURES = (1L << PF_MQ) | (1L << PF_REPLY_ACK) | (1L << PF_BACKEND_REQ)
            | (1L << PF_CONFIG) | (1L << PF_INFLIGHT_SHMFD) | (1L << PF_RESET_DEVICE) | (1L << PF_CONFIGURE_MEM_SLOTS)
            | (1L << PF_STATUS);
    /** GET_INFLIGHT_FD and SET_INFLIGHT_FD payload: {u64 mmap_size, u64 mmap_offset, u16 num_queues, u16 queue_size}, padded. */
    static final int INFLIGHT_PAYLOAD = 24;

    static final int VRING_INDEX_MASK = 0xFF, VRING_NOFD = 0x100;
    /** Memory slots offered through GET_MAX_MEM_SLOTS. */
    static final int MAX_MEM_SLOTS = 509;
    static final int MAX_CONFIG_SIZE = 256;

    private Protocol() {
    }

    /** Messages that carry their own reply (NEED_REPLY does not add an ack to them). */
    static boolean hasReply(int request) {
        return switch (request) {
            case GET_FEATURES, GET_PROTOCOL_FEATURES, GET_VRING_BASE, GET_QUEUE_NUM, GET_CONFIG, GET_MAX_MEM_SLOTS,
                 GET_STATUS, GET_INFLIGHT_FD -> true;
            default -> false;
        };
    }

    static String name(int request) {
        return switch (request) {
            case GET_FEATURES -> "GET_FEATURES";
            case SET_FEATURES -> "SET_FEATURES";
            case SET_OWNER -> "SET_OWNER";
            case RESET_OWNER -> "RESET_OWNER";
            case SET_MEM_TABLE -> "SET_MEM_TABLE";
            case SET_LOG_BASE -> "SET_LOG_BASE";
            case SET_LOG_FD -> "SET_LOG_FD";
            case SET_VRING_NUM -> "SET_VRING_NUM";
            case SET_VRING_ADDR -> "SET_VRING_ADDR";
            case SET_VRING_BASE -> "SET_VRING_BASE";
            case GET_VRING_BASE -> "GET_VRING_BASE";
            case SET_VRING_KICK -> "SET_VRING_KICK";
            case SET_VRING_CALL -> "SET_VRING_CALL";
            case SET_VRING_ERR -> "SET_VRING_ERR";
            case GET_PROTOCOL_FEATURES -> "GET_PROTOCOL_FEATURES";
            case SET_PROTOCOL_FEATURES -> "SET_PROTOCOL_FEATURES";
            case GET_QUEUE_NUM -> "GET_QUEUE_NUM";
            case SET_VRING_ENABLE -> "SET_VRING_ENABLE";
            case SET_BACKEND_REQ_FD -> "SET_BACKEND_REQ_FD";
            case GET_CONFIG -> "GET_CONFIG";
            case SET_CONFIG -> "SET_CONFIG";
            case GET_INFLIGHT_FD -> "GET_INFLIGHT_FD";
            case SET_INFLIGHT_FD -> "SET_INFLIGHT_FD";
            case RESET_DEVICE -> "RESET_DEVICE";
            case GET_MAX_MEM_SLOTS -> "GET_MAX_MEM_SLOTS";
            case ADD_MEM_REG -> "ADD_MEM_REG";
            case REM_MEM_REG -> "REM_MEM_REG";
            case SET_STATUS -> "SET_STATUS";
            case GET_STATUS -> "GET_STATUS";
            default -> "message " + request;
        };
    }
}
