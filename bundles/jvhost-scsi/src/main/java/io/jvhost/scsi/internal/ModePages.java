package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.*;

import io.jvhost.scsi.ScsiTask;

/**
 * MODE SENSE and MODE SELECT (6 and 10) over three pages: read-write error recovery (01h), caching
 * (08h, WCE changeable) and control (0Ah, D_SENSE changeable). Nothing is saveable.
 */
final class ModePages {
    static final int ERROR_RECOVERY = 0x01, CACHING = 0x08, CONTROL = 0x0A, ALL = 0x3F;
    private static final int CURRENT = 0, CHANGEABLE = 1, DEFAULT = 2, SAVED = 3;
    private static final int[] ORDER = {ERROR_RECOVERY, CACHING, CONTROL};

    private ModePages() {
    }

    static void sense(TaskState s, Lun lun) {
        byte[] cdb = s.task.cdb;
        boolean ten = s.opcode() == MODE_SENSE_10;
        boolean dbd = (cdb[1] & 0x08) != 0;
        boolean longLba = ten && (cdb[1] & 0x10) != 0;
        int pc = (cdb[2] & 0xC0) >>> 6;
        int page = cdb[2] & 0x3F;
        int subpage = cdb[3] & 0xFF;
        int allocation = ten ? (int) be(cdb, 7, 2) : cdb[4] & 0xFF;
        if (pc == SAVED) {
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, SAVING_PARAMETERS_NOT_SUPPORTED);
            return;
        }
        if ((subpage != 0 && !(page == ALL && subpage == 0xFF))
                || (page != ALL && page != ERROR_RECOVERY && page != CACHING && page != CONTROL)) {
            Commands.fail(s, lun.descriptorSense, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB);
            return;
        }
        byte[] r = s.target.response;
        int header = ten ? 8 : 4;
        java.util.Arrays.fill(r, 0, 128, (byte) 0);
        int at = header;
        int blockDescriptor = dbd ? 0 : longLba ? 16 : 8;
        if (blockDescriptor == 8) {
            putBe(r, at, 4, Math.min(lun.blockCount(), 0xFFFFFFFFL));
            putBe(r, at + 5, 3, lun.blockSize);
        } else if (blockDescriptor == 16) {
            putBe(r, at, 8, lun.blockCount());
            putBe(r, at + 12, 4, lun.blockSize);
        }
        at += blockDescriptor;
        for (int code : ORDER) {
            if (page == ALL || page == code) {
                at += page(r, at, code, pc, lun);
            }
        }
        int deviceSpecific = 0x10; // DPOFUA: FUA is honoured
        if (ten) {
            putBe(r, 0, 2, at - 2);
            r[3] = (byte) deviceSpecific;
            r[4] = (byte) (blockDescriptor == 16 ? 1 : 0);
            putBe(r, 6, 2, blockDescriptor);
        } else {
            r[0] = (byte) (at - 1);
            r[2] = (byte) deviceSpecific;
            r[3] = (byte) blockDescriptor;
        }
        Commands.respond(s, r, at, allocation);
    }

    /** Writes page {@code code} for page control {@code pc} at {@code at}; returns its length. */
    private static int page(byte[] r, int at, int code, int pc, Lun lun) {
        switch (code) {
            case ERROR_RECOVERY -> {
                r[at] = ERROR_RECOVERY;
                r[at + 1] = 0x0A;
                r[at + 2] = (byte) (pc == CHANGEABLE ? 0 : 0xC0); // AWRE, ARRE
                return 12;
            }
            case CACHING -> {
                r[at] = CACHING;
                r[at + 1] = 0x12;
                boolean wce = switch (pc) {
                    case CHANGEABLE -> true;
                    case DEFAULT -> lun.supportsFlush;
                    default -> lun.writeCache;
                };
                r[at + 2] = (byte) (wce ? 0x04 : 0);
                return 20;
            }
            default -> {
                r[at] = CONTROL;
                r[at + 1] = 0x0A;
                boolean dsense = switch (pc) {
                    case CHANGEABLE -> true;
                    case DEFAULT -> false;
                    default -> lun.descriptorSense;
                };
                r[at + 2] = (byte) (dsense ? 0x04 : 0);
                r[at + 3] = (byte) (pc == CHANGEABLE ? 0 : 0x10); // queue algorithm modifier 1: unrestricted
                return 12;
            }
        }
    }

    static void select(TaskState s, Lun lun) {
        ScsiTask t = s.task;
        byte[] cdb = t.cdb;
        boolean ten = s.opcode() == MODE_SELECT_10;
        boolean desc = lun.descriptorSense;
        int length = ten ? (int) be(cdb, 7, 2) : cdb[4] & 0xFF;
        if ((cdb[1] & 0x01) != 0) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB); // SP: nothing is saveable
            return;
        }
        if (length == 0) {
            Commands.good(s);
            return;
        }
        if ((cdb[1] & 0x10) == 0) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_CDB); // PF = 0: vendor page format
            return;
        }
        int header = ten ? 8 : 4;
        byte[] p = s.params(length);
        if (t.direction() != ScsiTask.Direction.TO_DEVICE || DataBuffer.gather(t, p, length) < length
                || length < header) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        t.setTransferred(length);
        int bdLength = ten ? (int) be(p, 6, 2) : p[3] & 0xFF;
        int at = header;
        if (at + bdLength > length || (bdLength != 0 && bdLength != 8 && bdLength != 16)) {
            Commands.fail(s, desc, ILLEGAL_REQUEST, PARAMETER_LIST_LENGTH_ERROR);
            return;
        }
        if (bdLength > 0) {
            long blockLength = bdLength == 8 ? be(p, at + 5, 3) : be(p, at + 12, 4);
            if (blockLength != 0 && blockLength != lun.blockSize) {
                Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
        }
        at += bdLength;
        byte[] current = new byte[32];
        byte[] changeable = new byte[32];
        boolean wce = lun.writeCache;
        boolean dsense = lun.descriptorSense;
        while (at < length) {
            if (at + 2 > length || (p[at] & 0x40) != 0) {
                Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
            int code = p[at] & 0x3F;
            int pageLength = (p[at + 1] & 0xFF) + 2;
            if (code != ERROR_RECOVERY && code != CACHING && code != CONTROL || at + pageLength > length) {
                Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
            int ours = page(current, 0, code, CURRENT, lun);
            page(changeable, 0, code, CHANGEABLE, lun);
            if (pageLength != ours) {
                Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
                return;
            }
            for (int i = 2; i < ours; i++) {
                if (((p[at + i] ^ current[i]) & ~changeable[i]) != 0) {
                    Commands.fail(s, desc, ILLEGAL_REQUEST, INVALID_FIELD_IN_PARAMETER_LIST);
                    return;
                }
            }
            if (code == CACHING) {
                wce = (p[at + 2] & 0x04) != 0;
            } else if (code == CONTROL) {
                dsense = (p[at + 2] & 0x04) != 0;
            }
            at += pageLength;
        }
        // all pages checked before any takes effect
        lun.writeCache = wce;
        lun.descriptorSense = dsense;
        Commands.good(s);
    }
}
