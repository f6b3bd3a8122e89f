package io.jvhost.bdev.raid.internal;

import io.jvhost.bdev.BdevIo;

/** A byte range of one request's scatter-gather list, as the segments of another request; no copy of data. */
final class SgSlices {
    private SgSlices() {
    }

    /** How many of {@code io}'s segments the bytes {@code [from, from + length)} touch. */
    static int segments(BdevIo io, long from, long length) {
        long end = from + length;
        long pos = 0;
        int n = 0;
        for (int i = 0; i < io.segmentCount() && pos < end; i++) {
            long next = pos + io.segmentLength(i);
            if (next > from) {
                n++;
            }
            pos = next;
        }
        return n;
    }

    /** Adds {@code io}'s bytes {@code [from, from + length)} to {@code child} as segments over the same memory. */
    static void slice(BdevIo io, long from, long length, BdevIo child) {
        long end = from + length;
        long pos = 0;
        for (int i = 0; i < io.segmentCount() && pos < end; i++) {
            long len = io.segmentLength(i);
            long next = pos + len;
            if (next > from) {
                long start = Math.max(from, pos);
                long stop = Math.min(end, next);
                child.addSegment(io.segment(i), io.segmentOffset(i) + (start - pos), stop - start);
            }
            pos = next;
        }
    }
}
