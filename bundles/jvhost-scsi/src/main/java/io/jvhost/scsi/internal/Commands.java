package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.*;

import io.jvhost.scsi.ScsiTask;

/**
 * Decodes a CDB and runs it: block commands go to {@link BlockCommands}, the rest (identification,
 * capacity, mode pages, LUN reports, sense) is answered here from the LUN's state.
 */
final class Commands {
    private Commands() {
    }

    static void execute(LunChannel lc, TaskState s) {
        ScsiTask t = s.task;
        Lun lun = lc.lun;
        boolean desc = lun.descriptorSense;
        int op = s.opcode();
        int length = cdbLength(op);
        if (length == 0 || length > t.cdbLength()) {
            fail(s, desc, ILLEGAL_REQUEST, INVALID_OPCODE);
            return;
        }
        if ((t.cdb[length - 1] & 0x04) != 0) {
            // NACA: auto contingent allegiance is not supported (SAM-5 5.14.1)
            fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        if (op != INQUIRY && op != REPORT_LUNS && op != REQUEST_SENSE) {
            int ua = lun.unitAttention.get();
            if (ua != 0 && lun.unitAttention.compareAndSet(ua, 0)) {
                fail(s, desc, UNIT_ATTENTION, ua);
                return;
            }
        }
        switch (op) {
            case TEST_UNIT_READY, START_STOP_UNIT, PREVENT_ALLOW_MEDIUM_REMOVAL -> good(s);
            case REQUEST_SENSE -> requestSense(s, lun);
            case INQUIRY -> Inquiry.execute(s, lun);
            case READ_CAPACITY_10 -> readCapacity10(s, lun);
            case SERVICE_ACTION_IN_16 -> {
                if ((t.cdb[1] & 0x1F) == SAI_READ_CAPACITY_16) {
                    readCapacity16(s, lun);
                } else {
                    fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
                }
            }
            case READ_6, READ_10, READ_12, READ_16, WRITE_6, WRITE_10, WRITE_12, WRITE_16 -> BlockCommands.readWrite(lc, s);
            case SYNCHRONIZE_CACHE_10, SYNCHRONIZE_CACHE_16 -> BlockCommands.synchronizeCache(lc, s);
            case UNMAP -> BlockCommands.unmap(lc, s);
            case WRITE_SAME_10, WRITE_SAME_16 -> WriteSame.execute(lc, s);
            case COMPARE_AND_WRITE -> CompareAndWrite.execute(lc, s);
            case MODE_SENSE_6, MODE_SENSE_10 -> ModePages.sense(s, lun);
            case MODE_SELECT_6, MODE_SELECT_10 -> ModePages.select(s, lun);
            case REPORT_LUNS -> reportLuns(s);
            case RESERVE_6, RESERVE_10 -> {
                // one initiator port per target: its own reservation never conflicts
                lun.reserved = true;
                good(s);
            }
            case RELEASE_6, RELEASE_10 -> {
                lun.reserved = false;
                good(s);
            }
            default -> fail(s, desc, ILLEGAL_REQUEST, INVALID_OPCODE);
        }
    }

    /** A command addressed to a LUN the target does not have (SPC-4 5.8 / 8.2). */
    static void withoutLun(TargetChannel tc, TaskState s) {
        ScsiTask t = s.task;
        switch (s.opcode()) {
            case INQUIRY -> {
                if ((t.cdb[1] & 0x03) != 0) {
                    fail(s, false, ILLEGAL_REQUEST, LUN_NOT_SUPPORTED);
                    return;
                }
                byte[] r = tc.response;
                java.util.Arrays.fill(r, 0, 36, (byte) 0);
                r[0] = 0x7F; // qualifier 011b: no logical unit here
                r[2] = 0x06;
                r[3] = 0x12;
                r[4] = 31;
                respond(s, r, 36, (int) be(t.cdb, 3, 2));
            }
            case REPORT_LUNS -> reportLuns(s);
            case REQUEST_SENSE -> {
                byte[] r = tc.response;
                int n = Sense.write(r, (t.cdb[1] & 1) != 0, ILLEGAL_REQUEST, LUN_NOT_SUPPORTED, -1);
                respond(s, r, n, t.cdb[4] & 0xFF);
            }
            default -> fail(s, false, ILLEGAL_REQUEST, LUN_NOT_SUPPORTED);
        }
    }

    private static void requestSense(TaskState s, Lun lun) {
        ScsiTask t = s.task;
        boolean desc = (t.cdb[1] & 1) != 0;
        int ua = lun.unitAttention.getAndSet(0);
        byte[] r = s.target.response;
        int n = ua != 0 ? Sense.write(r, desc, UNIT_ATTENTION, ua, -1) : Sense.write(r, desc, NO_SENSE, ASC_NONE, -1);
        respond(s, r, n, t.cdb[4] & 0xFF);
    }

    private static void readCapacity10(TaskState s, Lun lun) {
        byte[] r = s.target.response;
        long last = lun.blockCount() - 1;
        putBe(r, 0, 4, Math.min(last, 0xFFFFFFFFL));
        putBe(r, 4, 4, lun.blockSize);
        respond(s, r, 8, 8);
    }

    private static void readCapacity16(TaskState s, Lun lun) {
        byte[] r = s.target.response;
        java.util.Arrays.fill(r, 0, 32, (byte) 0);
        putBe(r, 0, 8, lun.blockCount() - 1);
        putBe(r, 8, 4, lun.blockSize);
        if (lun.supportsUnmap) {
            r[14] = (byte) 0xC0; // LBPME: thin provisioned; LBPRZ: unmapped blocks read as zeroes
        }
        respond(s, r, 32, (int) be(s.task.cdb, 10, 4));
    }

    private static void reportLuns(TaskState s) {
        ScsiTask t = s.task;
        int select = t.cdb[2] & 0xFF;
        long allocation = be(t.cdb, 6, 4);
        if (select > 0x02 || allocation < 16) {
            fail(s, false, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        byte[] r = s.target.response;
        int n = 0;
        if (select != 0x01) { // 0x01 asks for well-known LUs only: we have none
            for (Lun l : s.target.target().table()) {
                if (l != null) {
                    int at = 8 + 8 * n++;
                    java.util.Arrays.fill(r, at, at + 8, (byte) 0);
                    if (l.id < 256) {
                        r[at + 1] = (byte) l.id; // peripheral device addressing
                    } else {
                        r[at] = (byte) (0x40 | (l.id >>> 8)); // flat space addressing
                        r[at + 1] = (byte) l.id;
                    }
                }
            }
        }
        putBe(r, 0, 4, 8L * n);
        putBe(r, 4, 4, 0);
        respond(s, r, 8 + 8 * n, (int) Math.min(allocation, Integer.MAX_VALUE));
    }

    /** Returns {@code length} bytes of {@code data} (cut to the allocation length and the buffers) with GOOD. */
    static void respond(TaskState s, byte[] data, int length, int allocation) {
        ScsiTask t = s.task;
        int n = Math.min(length, allocation);
        if (t.direction() != ScsiTask.Direction.FROM_DEVICE) {
            n = 0;
        }
        t.setTransferred(DataBuffer.scatter(t, data, n));
        good(s);
    }

    static void good(TaskState s) {
        s.task.setStatus(ScsiTask.GOOD, 0);
        s.target.finish(s);
    }

    static void fail(TaskState s, boolean descriptorSense, int key, int ascq) {
        Sense.check(s.task, descriptorSense, key, ascq);
        s.target.finish(s);
    }
}
