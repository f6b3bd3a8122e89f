package io.jvhost.scsi.internal;

/** SCSI numbers (SPC-4, SBC-3) in one place: operation codes, sense keys, additional sense codes. */
final class Scsi {
    // operation codes
    static final int TEST_UNIT_READY = 0x00, REQUEST_SENSE = 0x03, READ_6 = 0x08, WRITE_6 = 0x0A, INQUIRY = 0x12,
            MODE_SELECT_6 = 0x15, RESERVE_6 = 0x16, RELEASE_6 = 0x17, MODE_SENSE_6 = 0x1A, START_STOP_UNIT = 0x1B,
            PREVENT_ALLOW_MEDIUM_REMOVAL = 0x1E, READ_CAPACITY_10 = 0x25, READ_10 = 0x28, WRITE_10 = 0x2A,
            VERIFY_10 = 0x2F, SYNCHRONIZE_CACHE_10 = 0x35, WRITE_SAME_10 = 0x41, UNMAP = 0x42, MODE_SELECT_10 = 0x55,
            RESERVE_10 = 0x56, RELEASE_10 = 0x57, MODE_SENSE_10 = 0x5A, READ_16 = 0x88, COMPARE_AND_WRITE = 0x89,
            WRITE_16 = 0x8A, VERIFY_16 = 0x8F, SYNCHRONIZE_CACHE_16 = 0x91, WRITE_SAME_16 = 0x93,
            SERVICE_ACTION_IN_16 = 0x9E, REPORT_LUNS = 0xA0, READ_12 = 0xA8, WRITE_12 = 0xAA, VERIFY_12 = 0xAF;
    /** SERVICE ACTION IN(16) action for READ CAPACITY(16). */
    static final int SAI_READ_CAPACITY_16 = 0x10;

    // sense keys
    static final int NO_SENSE = 0x0, NOT_READY = 0x2, MEDIUM_ERROR = 0x3, HARDWARE_ERROR = 0x4, ILLEGAL_REQUEST = 0x5,
            UNIT_ATTENTION = 0x6, DATA_PROTECT = 0x7, ABORTED_COMMAND = 0xB, MISCOMPARE = 0xE;

    // additional sense code << 8 | qualifier
    static final int ASC_NONE = 0x0000, WRITE_ERROR = 0x0C00, UNRECOVERED_READ_ERROR = 0x1100,
            MISCOMPARE_DURING_VERIFY = 0x1D00, INVALID_OPCODE = 0x2000, LBA_OUT_OF_RANGE = 0x2100,
            INVALID_FIELD_IN_CDB = 0x2400, LUN_NOT_SUPPORTED = 0x2500, INVALID_FIELD_IN_PARAMETER_LIST = 0x2600,
            PARAMETER_LIST_LENGTH_ERROR = 0x1A00, WRITE_PROTECTED = 0x2700, RESET_OCCURRED = 0x2903,
            CAPACITY_DATA_CHANGED = 0x2A09, SAVING_PARAMETERS_NOT_SUPPORTED = 0x3900,
            INTERNAL_TARGET_FAILURE = 0x4400, LUN_NOT_READY_REMOVED = 0x0400, ACCESS_DENIED = 0x2002;

    private Scsi() {
    }

    /** Big-endian unsigned field of {@code bytes} bytes at {@code offset}. */
    static long be(byte[] b, int offset, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (b[offset + i] & 0xFF);
        }
        return v;
    }

    static void putBe(byte[] b, int offset, int bytes, long value) {
        for (int i = bytes - 1; i >= 0; i--) {
            b[offset + i] = (byte) value;
            value >>>= 8;
        }
    }

    /** CDB length implied by the operation code's group, or 0 for groups we do not know. */
    static int cdbLength(int opcode) {
        return switch (opcode >>> 5) {
            case 0 -> 6;
            case 1, 2 -> 10;
            case 4 -> 16;
            case 5 -> 12;
            default -> 0;
        };
    }
}
