package io.jvhost.frontend;

/** vhost-user message ids and flags as the front-end sends them (QEMU docs/interop/vhost-user.rst). */
public final class VhostUserMessages {
    public static final int GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, RESET_OWNER = 4, SET_MEM_TABLE = 5,
            SET_VRING_NUM = 8, SET_VRING_ADDR = 9, SET_VRING_BASE = 10, GET_VRING_BASE = 11, SET_VRING_KICK = 12,
            SET_VRING_CALL = 13, SET_VRING_ERR = 14, GET_PROTOCOL_FEATURES = 15, SET_PROTOCOL_FEATURES = 16,
            GET_QUEUE_NUM = 17, SET_VRING_ENABLE = 18, SET_BACKEND_REQ_FD = 21, GET_CONFIG = 24, SET_CONFIG = 25,
            GET_INFLIGHT_FD = 31, SET_INFLIGHT_FD = 32, RESET_DEVICE = 34, GET_MAX_MEM_SLOTS = 36, ADD_MEM_REG = 37, REM_MEM_REG = 38, SET_STATUS = 39,
            GET_STATUS = 40;
    public static final int VERSION = 1, FLAG_REPLY = 0x4, FLAG_NEED_REPLY = 0x8;
    public static final int PF_MQ = 0, PF_REPLY_ACK = 3, PF_BACKEND_REQ = 5, PF_CONFIG = 9, PF_INFLIGHT_SHMFD = 12, PF_RESET_DEVICE = 13,
            PF_CONFIGURE_MEM_SLOTS = 15, PF_STATUS = 16;
    public static final int VRING_NOFD = 0x100;

    private VhostUserMessages() {
    }
}
