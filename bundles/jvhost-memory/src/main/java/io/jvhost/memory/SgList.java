package io.jvhost.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A scatter-gather list: up to {@link #capacity()} pieces, each a range {offset, length} of a memory
 * segment that is passed whole (guest memory regions, DMA buffers), so filling a list allocates
 * nothing. The one such type from the ring to the bdev: a virtqueue chain fills one, a device may
 * take it over without copying, narrow it to the data, and hand it to a block request, whose module
 * reads it in place. Preallocate one per request slot; one thread uses it at a time.
 */
public final class SgList {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment[] segments;
    private final long[] offsets;
    private final long[] lengths;
    private final boolean[] writable;
    private int count;
    private long totalBytes;

    public SgList(int capacity) {
        segments = new MemorySegment[capacity];
        offsets = new long[capacity];
        lengths = new long[capacity];
        writable = new boolean[capacity];
    }

    public int capacity() {
        return segments.length;
    }

    public int count() {
        return count;
    }

    public boolean isFull() {
        return count == segments.length;
    }

    /** The memory piece {@code i} lies in; see {@link #offset} and {@link #length}. */
    public MemorySegment segment(int i) {
        return segments[i];
    }

    public long offset(int i) {
        return offsets[i];
    }

    public long length(int i) {
        return lengths[i];
    }

    /** Whether the device may write piece {@code i} (virtqueue buffers; false for data a submitter added). */
    public boolean isWritable(int i) {
        return writable[i];
    }

    /** Native address of piece {@code i}. */
    public long address(int i) {
        return segments[i].address() + offsets[i];
    }

    /** Bytes over all pieces. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Appends {@code length} bytes of {@code base} at {@code offset}; false when the list is full. */
    public boolean add(MemorySegment base, long offset, long length) {
        return add(base, offset, length, false);
    }

    /** As {@link #add(MemorySegment, long, long)}, marking the piece device-writable or not. */
    public boolean add(MemorySegment base, long offset, long length, boolean deviceWritable) {
        if (count == segments.length) {
            return false;
        }
        segments[count] = base;
        offsets[count] = offset;
        lengths[count] = length;
        writable[count] = deviceWritable;
        count++;
        totalBytes += length;
        return true;
    }

    /** Grows the last piece by {@code length} bytes (contiguous memory added piece by piece). */
    public void extendLast(long length) {
        lengths[count - 1] += length;
        totalBytes += length;
    }

    /** Result of {@link #addGuest}: added, not inside guest memory, or no room left. */
    public static final int ADDED = 0, NOT_IN_MEMORY = -1, FULL = -2;

    /**
     * Appends {@code length} bytes at guest-physical {@code gpa}, one piece per memory region the
     * range crosses; returns {@link #ADDED}, {@link #NOT_IN_MEMORY} or {@link #FULL}.
     */
    public int addGuest(GuestMemory memory, long gpa, long length, boolean deviceWritable) {
        while (length > 0) {
            long h = memory.translateStart(gpa);
            if (h < 0) {
                return NOT_IN_MEMORY;
            }
            long piece = Math.min(length, memory.remaining(h));
            if (!add(memory.segment(h), GuestMemory.offset(h), piece, deviceWritable)) {
                return FULL;
            }
            gpa += piece;
            length -= piece;
        }
        return ADDED;
    }

    /** Appends every piece of {@code other}; false (with this list unchanged) when they do not fit. */
    public boolean addAll(SgList other) {
        if (count + other.count > segments.length) {
            return false;
        }
        for (int i = 0; i < other.count; i++) {
            add(other.segments[i], other.offsets[i], other.lengths[i], other.writable[i]);
        }
        return true;
    }

    /**
     * Keeps only the {@code bytes} bytes that start {@code from} bytes into the list, in place (a
     * virtio-blk request drops its header and status byte this way); requires {@code from + bytes
     * <= totalBytes()}.
     */
    public void narrow(long from, long bytes) {
        if (from < 0 || bytes < 0 || from + bytes > totalBytes) {
            throw new IllegalArgumentException("bytes " + from + " to " + (from + bytes) + " of a list of "
                    + totalBytes);
        }
        int first = 0;
        while (first < count && from >= lengths[first] && (from > 0 || lengths[first] == 0)) {
            from -= lengths[first];
            first++;
        }
        int kept = 0;
        long left = bytes;
        for (int i = first; i < count && left > 0; i++) {
            long off = offsets[i] + (i == first ? from : 0);
            long len = Math.min(lengths[i] - (i == first ? from : 0), left);
            segments[kept] = segments[i];
            offsets[kept] = off;
            lengths[kept] = len;
            writable[kept] = writable[i];
            kept++;
            left -= len;
        }
        for (int i = kept; i < count; i++) {
            segments[i] = null;
        }
        count = kept;
        totalBytes = bytes;
    }

    /**
     * Reads a little-endian value of {@code bytes} (1 to 8) at byte {@code position} of the list
     * taken as one stream (headers may be split over pieces, or unaligned). The caller checks
     * {@code position + bytes} against the bytes it may read.
     */
    public long readLE(long position, int bytes) {
        int i = 0;
        while (i < count && position >= lengths[i]) {
            position -= lengths[i];
            i++;
        }
        if (i < count && position + bytes <= lengths[i]) {
            long at = offsets[i] + position;
            MemorySegment s = segments[i];
            if (bytes == 8) {
                return s.get(U64, at);
            }
            if (bytes == 4) {
                return s.get(U32, at) & 0xFFFFFFFFL;
            }
        }
        long v = 0;
        for (int k = 0; k < bytes && i < count; k++) {
            v |= (segments[i].get(ValueLayout.JAVA_BYTE, offsets[i] + position) & 0xFFL) << (8 * k);
            if (++position == lengths[i]) {
                position = 0;
                i++;
            }
        }
        return v;
    }

    /** Empties the list and drops its references, so no old memory map stays reachable through it. */
    public void clear() {
        for (int i = 0; i < count; i++) {
            segments[i] = null;
        }
        count = 0;
        totalBytes = 0;
    }
}
