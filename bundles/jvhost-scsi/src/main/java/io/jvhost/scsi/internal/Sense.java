package io.jvhost.scsi.internal;

import io.jvhost.scsi.ScsiTask;

/** Writes sense data in fixed (0x70) or descriptor (0x72) format (SPC-4 4.5). */
final class Sense {
    static final int FIXED_LENGTH = 18;
    static final int DESCRIPTOR_LENGTH = 8;
    private static final int INFORMATION_DESCRIPTOR_LENGTH = 12;

    private Sense() {
    }

    /** Fills {@code out} and returns its length; {@code info} >= 0 is reported in the INFORMATION field. */
    static int write(byte[] out, boolean descriptor, int key, int ascq, long info) {
        java.util.Arrays.fill(out, 0, descriptor ? DESCRIPTOR_LENGTH + INFORMATION_DESCRIPTOR_LENGTH : FIXED_LENGTH,
                (byte) 0);
        if (descriptor) {
            out[0] = 0x72;
            out[1] = (byte) key;
            out[2] = (byte) (ascq >>> 8);
            out[3] = (byte) ascq;
            if (info < 0) {
                return DESCRIPTOR_LENGTH;
            }
            out[7] = INFORMATION_DESCRIPTOR_LENGTH;
            out[8] = 0x00; // information descriptor
            out[9] = 0x0A;
            out[10] = (byte) 0x80; // VALID
            Scsi.putBe(out, 12, 8, info);
            return DESCRIPTOR_LENGTH + INFORMATION_DESCRIPTOR_LENGTH;
        }
        out[0] = (byte) (info >= 0 && info <= 0xFFFFFFFFL ? 0xF0 : 0x70); // VALID when INFORMATION fits
        out[2] = (byte) key;
        if (info >= 0 && info <= 0xFFFFFFFFL) {
            Scsi.putBe(out, 3, 4, info);
        }
        out[7] = FIXED_LENGTH - 8;
        out[12] = (byte) (ascq >>> 8);
        out[13] = (byte) ascq;
        return FIXED_LENGTH;
    }

    /** Ends {@code task} with CHECK CONDITION and this sense (format per the LUN's D_SENSE bit). */
    static void check(ScsiTask task, boolean descriptor, int key, int ascq) {
        check(task, descriptor, key, ascq, -1);
    }

    static void check(ScsiTask task, boolean descriptor, int key, int ascq, long info) {
        task.setStatus(ScsiTask.CHECK_CONDITION, write(task.sense(), descriptor, key, ascq, info));
    }
}
