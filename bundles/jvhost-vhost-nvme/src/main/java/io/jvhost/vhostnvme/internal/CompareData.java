package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevIo;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A Compare command's two sides: the guest's buffers (kept by reference; the queue drains before
 * guest memory is unmapped) and the buffer the blocks are read into. The read buffer belongs to the
 * request slot and grows to the largest compare it has seen, so compares allocate nothing after
 * the first of their size. Reactor thread.
 */
final class CompareData {
    private final MemorySegment[] segments;
    private final long[] offsets;
    private final long[] lengths;
    private int count;
    private boolean active;
    private MemorySegment readBack = MemorySegment.NULL;

    CompareData(int maxSegments) {
        segments = new MemorySegment[maxSegments];
        offsets = new long[maxSegments];
        lengths = new long[maxSegments];
    }

    /** Remembers the guest's buffers in {@code io} and makes room to read {@code bytes}. */
    void keep(BdevIo io, long bytes) {
        count = io.segmentCount();
        for (int i = 0; i < count; i++) {
            segments[i] = io.segment(i);
            offsets[i] = io.segmentOffset(i);
            lengths[i] = io.segmentLength(i);
        }
        if (readBack.byteSize() < bytes) {
            readBack = Arena.ofAuto().allocate(bytes, 4096);
        }
        active = true;
    }

    boolean active() {
        return active;
    }

    MemorySegment readBack() {
        return readBack;
    }

    /** Whether what was read equals the guest's data; ends the compare. */
    boolean matches() {
        long at = 0;
        boolean same = true;
        for (int i = 0; i < count && same; i++) {
            same = MemorySegment.mismatch(segments[i], offsets[i], offsets[i] + lengths[i], readBack, at,
                    at + lengths[i]) < 0;
            at += lengths[i];
        }
        end();
        return same;
    }

    /** Forgets the guest's buffers (the command finished, whichever way). */
    void end() {
        active = false;
        java.util.Arrays.fill(segments, 0, count, null);
        count = 0;
    }
}
