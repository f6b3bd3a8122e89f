package io.jvhost.virtio;

import java.lang.foreign.MemorySegment;

/**
 * One request's buffers, gathered by walking its descriptor chain: a reusable flyweight (one per
 * queue) holding, per buffer, the region segment, offset, length and direction. Readable buffers
 * come first, then writable ones, as the virtio spec requires.
 */
public final class DescriptorChain {
    /** Walk results: 0 or a negative error naming why the chain is malformed. */
    public static final int OK = 0, ERR_LOOP = -1, ERR_ADDRESS = -2, ERR_NESTED_INDIRECT = -3, ERR_TOO_MANY = -4,
            ERR_INDEX = -5, ERR_INDIRECT = -6, ERR_ORDER = -7;

    final MemorySegment[] segments;
    final long[] offsets;
    final long[] lengths;
    final boolean[] writable;
    int count;
    int firstWritable;
    long readableBytes;
    long writableBytes;
    int head;

    public DescriptorChain(int maxBuffers) {
        segments = new MemorySegment[maxBuffers];
        offsets = new long[maxBuffers];
        lengths = new long[maxBuffers];
        writable = new boolean[maxBuffers];
    }

    void reset(int head) {
        this.head = head;
        count = 0;
        firstWritable = -1;
        readableBytes = 0;
        writableBytes = 0;
    }

    int add(MemorySegment segment, long offset, long length, boolean write) {
        if (count == segments.length) {
            return ERR_TOO_MANY;
        }
        if (!write && firstWritable >= 0) {
            return ERR_ORDER;
        }
        if (write && firstWritable < 0) {
            firstWritable = count;
        }
        segments[count] = segment;
        offsets[count] = offset;
        lengths[count] = length;
        writable[count] = write;
        count++;
        if (write) {
            writableBytes += length;
        } else {
            readableBytes += length;
        }
        return OK;
    }

    /** The head descriptor index (what goes into the used ring). */
    public int head() {
        return head;
    }

    public int count() {
        return count;
    }

    public MemorySegment segment(int i) {
        return segments[i];
    }

    public long offset(int i) {
        return offsets[i];
    }

    public long length(int i) {
        return lengths[i];
    }

    public boolean isWritable(int i) {
        return writable[i];
    }

    /** Index of the first writable buffer, or {@link #count()} when there is none. */
    public int firstWritable() {
        return firstWritable < 0 ? count : firstWritable;
    }

    public long readableBytes() {
        return readableBytes;
    }

    public long writableBytes() {
        return writableBytes;
    }

    /** Drops segment references so an old memory map is not kept reachable. */
    public void clear() {
        for (int i = 0; i < count; i++) {
            segments[i] = null;
        }
        count = 0;
    }

    /** Text for a walk error, for logs. */
    public static String describe(int error) {
        return switch (error) {
            case ERR_LOOP -> "descriptor loop or chain longer than the ring";
            case ERR_ADDRESS -> "buffer outside guest memory";
            case ERR_NESTED_INDIRECT -> "indirect table inside an indirect table";
            case ERR_TOO_MANY -> "more buffers than the device accepts";
            case ERR_INDEX -> "descriptor index beyond the table";
            case ERR_INDIRECT -> "malformed indirect descriptor";
            case ERR_ORDER -> "readable buffer after a writable one";
            default -> "error " + error;
        };
    }
}
