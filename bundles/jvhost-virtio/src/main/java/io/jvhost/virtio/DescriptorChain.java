package io.jvhost.virtio;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import java.lang.foreign.MemorySegment;

/**
 * One request's buffers, gathered by walking its descriptor chain: a reusable flyweight (one per
 * queue) holding, per buffer, the region segment, offset, length and direction. Readable buffers
 * come first, then writable ones, as the virtio spec requires.
 */
public final class DescriptorChain {
    /** Walk results: 0 or a negative error naming why the chain is malformed. */
    public static final int OK = 0, ERR_LOOP = -1, ERR_ADDRESS = -2, ERR_NESTED_INDIRECT = -3, ERR_TOO_MANY = -4,
            ERR_INDEX = -5, ERR_INDIRECT = -6, ERR_ORDER = -7, ERR_AVAIL = -8, ERR_ID = -9;

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

    /**
     * Adds {@code len} bytes at guest-physical {@code addr}, split where it crosses from one memory
     * region into the next.
     */
    int addGuest(GuestMemory memory, long addr, long len, boolean write) {
        while (len > 0) {
            long h = memory.translateStart(addr);
            if (h < 0) {
                return ERR_ADDRESS;
            }
            long piece = Math.min(len, memory.remaining(h));
            int r = add(memory.segment(h), GuestMemory.offset(h), piece, write);
            if (r != OK) {
                return r;
            }
            addr += piece;
            len -= piece;
        }
        return OK;
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

    /** Sets the id the used entry must carry (packed rings learn it at the end of the chain). */
    void head(int id) {
        this.head = id;
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

    /**
     * Reads a little-endian value of {@code bytes} (1 to 8) at byte {@code position} of the readable
     * buffers taken as one stream (headers may be split over descriptors, or unaligned). The caller
     * checks {@code position + bytes <= readableBytes()}.
     */
    public long readLE(long position, int bytes) {
        int end = firstWritable();
        int i = 0;
        while (i < end && position >= lengths[i]) {
            position -= lengths[i];
            i++;
        }
        if (i < end && position + bytes <= lengths[i]) {
            long at = offsets[i] + position;
            MemorySegment s = segments[i];
            return switch (bytes) {
                case 8 -> s.get(U64, at);
                case 4 -> s.get(U32, at) & 0xFFFFFFFFL;
                default -> slowRead(i, position, bytes);
            };
        }
        return slowRead(i, position, bytes);
    }

    private long slowRead(int i, long position, int bytes) {
        long v = 0;
        int end = firstWritable();
        for (int k = 0; k < bytes && i < end; k++) {
            v |= (segments[i].get(java.lang.foreign.ValueLayout.JAVA_BYTE, offsets[i] + position) & 0xFFL) << (8 * k);
            if (++position == lengths[i]) {
                position = 0;
                i++;
            }
        }
        return v;
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
            case ERR_AVAIL -> "the available index moved by more than the ring size";
            case ERR_ID -> "buffer id beyond the ring or already in flight";
            default -> "error " + error;
        };
    }
}
