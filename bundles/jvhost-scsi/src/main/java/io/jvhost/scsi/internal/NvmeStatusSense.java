package io.jvhost.scsi.internal;

import static io.jvhost.scsi.internal.Scsi.ABORTED_COMMAND;
import static io.jvhost.scsi.internal.Scsi.ACCESS_DENIED;
import static io.jvhost.scsi.internal.Scsi.ASC_NONE;
import static io.jvhost.scsi.internal.Scsi.DATA_PROTECT;
import static io.jvhost.scsi.internal.Scsi.HARDWARE_ERROR;
import static io.jvhost.scsi.internal.Scsi.ILLEGAL_REQUEST;
import static io.jvhost.scsi.internal.Scsi.INTERNAL_TARGET_FAILURE;
import static io.jvhost.scsi.internal.Scsi.INVALID_FIELD_IN_CDB;
import static io.jvhost.scsi.internal.Scsi.INVALID_OPCODE;
import static io.jvhost.scsi.internal.Scsi.LBA_OUT_OF_RANGE;
import static io.jvhost.scsi.internal.Scsi.LUN_NOT_READY_REMOVED;
import static io.jvhost.scsi.internal.Scsi.LUN_NOT_SUPPORTED;
import static io.jvhost.scsi.internal.Scsi.MEDIUM_ERROR;
import static io.jvhost.scsi.internal.Scsi.MISCOMPARE;
import static io.jvhost.scsi.internal.Scsi.MISCOMPARE_DURING_VERIFY;
import static io.jvhost.scsi.internal.Scsi.NOT_READY;
import static io.jvhost.scsi.internal.Scsi.UNRECOVERED_READ_ERROR;
import static io.jvhost.scsi.internal.Scsi.WRITE_ERROR;

import io.jvhost.nvme.Nvme;

/**
 * The sense a SCSI disk gives for the NVMe status a bdev failed with (an NVMe SSD's own, or one an error
 * bdev injects), along the lines of the NVM Express SCSI translation reference: media errors stay media
 * errors, address and field errors become ILLEGAL REQUEST, aborts ABORTED COMMAND. A status without a
 * SCSI counterpart is a medium error of the command's direction.
 */
final class NvmeStatusSense {
    private NvmeStatusSense() {
    }

    /** Sense key << 16 | ASC << 8 | ASCQ for NVMe status field {@code status} (SCT << 8 | SC). */
    static int of(int status, boolean reading) {
        return switch (status & 0x7FF) {
            case Nvme.INVALID_OPCODE -> ILLEGAL_REQUEST << 16 | INVALID_OPCODE;
            case Nvme.INVALID_FIELD -> ILLEGAL_REQUEST << 16 | INVALID_FIELD_IN_CDB;
            case Nvme.INVALID_NAMESPACE -> ILLEGAL_REQUEST << 16 | LUN_NOT_SUPPORTED;
            case Nvme.LBA_OUT_OF_RANGE, Nvme.CAPACITY_EXCEEDED -> ILLEGAL_REQUEST << 16 | LBA_OUT_OF_RANGE;
            case Nvme.INTERNAL_ERROR, Nvme.DATA_TRANSFER_ERROR -> HARDWARE_ERROR << 16 | INTERNAL_TARGET_FAILURE;
            case Nvme.ABORTED_BY_REQUEST, Nvme.ABORTED_SQ_DELETION -> ABORTED_COMMAND << 16 | ASC_NONE;
            case Nvme.NAMESPACE_NOT_READY -> NOT_READY << 16 | LUN_NOT_READY_REMOVED;
            case Nvme.UNRECOVERED_READ_ERROR -> MEDIUM_ERROR << 16 | UNRECOVERED_READ_ERROR;
            case Nvme.WRITE_FAULT -> MEDIUM_ERROR << 16 | WRITE_ERROR;
            case Nvme.COMPARE_FAILURE -> MISCOMPARE << 16 | MISCOMPARE_DURING_VERIFY;
            case Nvme.ACCESS_DENIED -> DATA_PROTECT << 16 | ACCESS_DENIED;
            default -> MEDIUM_ERROR << 16 | (reading ? UNRECOVERED_READ_ERROR : WRITE_ERROR);
        };
    }
}
