package io.jvhost.nvme;

/** NVMe constants: opcodes, status codes, features, log pages, Identify CNS values, CAP fields. */
public final class Nvme {
    /** Submission and completion entry sizes; a memory page as controllers here use it (MPS = 0). */
    public static final int SQE_BYTES = 64, CQE_BYTES = 16, PAGE = 4096;

    // admin opcodes
    public static final int ADMIN_DELETE_SQ = 0x00, ADMIN_CREATE_SQ = 0x01, ADMIN_GET_LOG_PAGE = 0x02,
            ADMIN_DELETE_CQ = 0x04, ADMIN_CREATE_CQ = 0x05, ADMIN_IDENTIFY = 0x06, ADMIN_ABORT = 0x08,
            ADMIN_SET_FEATURES = 0x09, ADMIN_GET_FEATURES = 0x0A, ADMIN_ASYNC_EVENT_REQUEST = 0x0C,
            ADMIN_DOORBELL_BUFFER_CONFIG = 0x7C;
    // NVM opcodes
    public static final int IO_FLUSH = 0x00, IO_WRITE = 0x01, IO_READ = 0x02, IO_COMPARE = 0x05,
            IO_WRITE_ZEROES = 0x08, IO_DATASET_MANAGEMENT = 0x09;

    // status code types and codes (SCT << 8 | SC)
    public static final int SUCCESS = 0x000, INVALID_OPCODE = 0x001, INVALID_FIELD = 0x002, CID_CONFLICT = 0x003,
            DATA_TRANSFER_ERROR = 0x004, INTERNAL_ERROR = 0x006, ABORTED_BY_REQUEST = 0x007,
            ABORTED_SQ_DELETION = 0x008, INVALID_NAMESPACE = 0x00B, COMMAND_SEQUENCE_ERROR = 0x00C,
            INVALID_SGL_DESCRIPTOR = 0x00D, INVALID_SGL_COUNT = 0x00E, DATA_SGL_LENGTH_INVALID = 0x00F,
            SGL_TYPE_INVALID = 0x011, INVALID_PRP_OFFSET = 0x013, LBA_OUT_OF_RANGE = 0x080,
            CAPACITY_EXCEEDED = 0x081, NAMESPACE_NOT_READY = 0x082;
    public static final int INVALID_CQ = 0x100, INVALID_QUEUE_ID = 0x101, INVALID_QUEUE_SIZE = 0x102,
            ASYNC_EVENT_LIMIT = 0x105, INVALID_FIRMWARE_SLOT = 0x106, INVALID_LOG_PAGE = 0x109,
            INVALID_QUEUE_DELETION = 0x10C, FEATURE_NOT_SAVEABLE = 0x10D;
    public static final int WRITE_FAULT = 0x280, UNRECOVERED_READ_ERROR = 0x281, COMPARE_FAILURE = 0x285,
            ACCESS_DENIED = 0x286;
    /** SGL descriptor types (identifier bits 7:4). */
    public static final int SGL_DATA_BLOCK = 0x0, SGL_BIT_BUCKET = 0x1, SGL_SEGMENT = 0x2, SGL_LAST_SEGMENT = 0x3;
    /** SGL descriptor size. */
    public static final int SGL_DESCRIPTOR_BYTES = 16;
    /** Do Not Retry, OR-ed into a status for errors that will fail again. */
    public static final int DNR = 0x4000;

    // features
    public static final int FEAT_ARBITRATION = 0x01, FEAT_POWER_MANAGEMENT = 0x02, FEAT_VOLATILE_WRITE_CACHE = 0x06,
            FEAT_NUMBER_OF_QUEUES = 0x07, FEAT_INTERRUPT_COALESCING = 0x08, FEAT_ASYNC_EVENT_CONFIG = 0x0B;
    // log pages
    public static final int LOG_ERROR = 0x01, LOG_SMART = 0x02, LOG_FIRMWARE_SLOT = 0x03, LOG_CHANGED_NAMESPACES = 0x04;
    // Identify CNS
    public static final int CNS_NAMESPACE = 0x00, CNS_CONTROLLER = 0x01, CNS_ACTIVE_NAMESPACES = 0x02,
            CNS_NAMESPACE_DESCRIPTORS = 0x03;

    private Nvme() {
    }

    /**
     * CAP for a controller with {@code maxEntries} per queue, timeout {@code timeout500ms} units,
     * contiguous queues required, NVM command set, 4 KiB pages, doorbell stride 4 bytes.
     */
    public static long capabilities(int maxEntries, int timeout500ms) {
        return ((long) (maxEntries - 1) & 0xFFFF) | 1L << 16 | ((long) timeout500ms & 0xFF) << 24 | 1L << 37;
    }

    /** The queue size field of CAP (MQES) + 1. */
    public static int maxQueueEntries(long cap) {
        return (int) (cap & 0xFFFF) + 1;
    }
}
