package io.jvhost.scsi.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.scsi.ScsiTask;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Moves bytes between a task's initiator buffers and the SCSI layer (parameter data, responses). */
final class DataBuffer {
    private DataBuffer() {
    }

    /** Copies {@code length} bytes of {@code src} into the initiator's buffers; returns bytes copied. */
    static int scatter(ScsiTask task, byte[] src, int length) {
        int done = 0;
        for (int i = 0; i < task.segmentCount() && done < length; i++) {
            int n = (int) Math.min(task.segmentLength(i), length - done);
            MemorySegment.copy(src, done, task.segment(i), ValueLayout.JAVA_BYTE, task.segmentOffset(i), n);
            done += n;
        }
        return done;
    }

    /** Copies up to {@code length} bytes from the initiator's buffers into {@code dst}; returns bytes copied. */
    static int gather(ScsiTask task, byte[] dst, int length) {
        int done = 0;
        for (int i = 0; i < task.segmentCount() && done < length; i++) {
            int n = (int) Math.min(task.segmentLength(i), length - done);
            MemorySegment.copy(task.segment(i), ValueLayout.JAVA_BYTE, task.segmentOffset(i), dst, done, n);
            done += n;
        }
        return done;
    }

    /** Adds bytes [from, from + bytes) of the initiator's buffers to {@code io}; false when they do not fit. */
    static boolean addRange(ScsiTask task, BdevIo io, long from, long bytes) {
        long skip = from;
        long left = bytes;
        for (int i = 0; i < task.segmentCount() && left > 0; i++) {
            long len = task.segmentLength(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, left);
            if (!io.addSegment(task.segment(i), task.segmentOffset(i) + skip, n)) {
                return false;
            }
            skip = 0;
            left -= n;
        }
        return left == 0;
    }

    /** Offset of the first byte where the initiator's buffers from {@code from} differ from {@code expected}, or -1. */
    static long mismatch(ScsiTask task, long from, MemorySegment expected, long bytes) {
        long skip = from;
        long compared = 0;
        for (int i = 0; i < task.segmentCount() && compared < bytes; i++) {
            long len = task.segmentLength(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, bytes - compared);
            long start = task.segmentOffset(i) + skip;
            long m = MemorySegment.mismatch(task.segment(i), start, start + n, expected, compared, compared + n);
            if (m >= 0) {
                return compared + m;
            }
            compared += n;
            skip = 0;
        }
        return -1;
    }

    /** True when bytes [from, from + bytes) of the initiator's buffers are all zero. */
    static boolean isZero(ScsiTask task, long from, long bytes) {
        long skip = from;
        long seen = 0;
        for (int i = 0; i < task.segmentCount() && seen < bytes; i++) {
            long len = task.segmentLength(i);
            if (skip >= len) {
                skip -= len;
                continue;
            }
            long n = Math.min(len - skip, bytes - seen);
            MemorySegment s = task.segment(i);
            long start = task.segmentOffset(i) + skip;
            for (long k = 0; k < n; k++) {
                if (s.get(ValueLayout.JAVA_BYTE, start + k) != 0) {
                    return false;
                }
            }
            seen += n;
            skip = 0;
        }
        return true;
    }
}
