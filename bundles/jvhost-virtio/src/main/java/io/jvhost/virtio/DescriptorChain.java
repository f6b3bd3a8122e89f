package io.jvhost.virtio;

import io.jvhost.memory.GuestMemory;
import io.jvhost.memory.SgList;
import java.lang.foreign.MemorySegment;

/**
 * One request's buffers, gathered by walking its descriptor chain: a reusable flyweight (one per
 * queue) over an {@link SgList} holding, per buffer, the region segment, offset, length and
 * direction. Readable buffers come first, then writable ones, as the virtio spec requires.
 *
 * <p>A device takes the filled list without copying ({@link #takeList}) and leaves a spare list of
 * its own for the next chain. A chain longer than that spare spills into the chain's own list of
 * full size; such a list cannot be taken, and the device copies what it needs instead.
 */
public final class DescriptorChain {
    /** Walk results: 0 or a negative error naming why the chain is malformed. */
    public static final int OK = 0, ERR_LOOP = -1, ERR_ADDRESS = -2, ERR_NESTED_INDIRECT = -3, ERR_TOO_MANY = -4,
            ERR_INDEX = -5, ERR_INDIRECT = -6, ERR_ORDER = -7, ERR_AVAIL = -8, ERR_ID = -9;

    /** Holds chains up to the queue's limit; never handed out. */
    private final SgList overflow;
    /** The list chains are read into first; devices take it and leave another. */
    private SgList takeable;
    /** Where the current chain is: {@link #takeable}, or {@link #overflow} once that was full. */
    private SgList list;
    int firstWritable;
    long readableBytes;
    long writableBytes;
    int head;

    /** A chain of up to {@code maxBuffers} buffers. */
    public DescriptorChain(int maxBuffers) {
        overflow = new SgList(maxBuffers);
        takeable = new SgList(maxBuffers);
        list = takeable;
    }

    void reset(int head) {
        this.head = head;
        list.clear();
        list = takeable;
        list.clear();
        firstWritable = -1;
        readableBytes = 0;
        writableBytes = 0;
    }

    /**
     * Adds {@code len} bytes at guest-physical {@code addr}, split where it crosses from one memory
     * region into the next.
     */
    int addGuest(GuestMemory memory, long addr, long len, boolean write) {
        if (!write && firstWritable >= 0) {
            return ERR_ORDER;
        }
        if (write && firstWritable < 0) {
            firstWritable = list.count();
        }
        int r = list.addGuest(memory, addr, len, write);
        if (r == SgList.FULL && list != overflow) {
            // longer than the takeable list: go on in the full-size one (this chain is copied, not taken)
            long added = list.totalBytes() - (readableBytes + writableBytes); // of this buffer, before it filled
            overflow.clear();
            overflow.addAll(list);
            list.clear();
            list = overflow;
            r = list.addGuest(memory, addr + added, len - added, write);
        }
        if (r == SgList.NOT_IN_MEMORY) {
            return ERR_ADDRESS;
        }
        if (r == SgList.FULL) {
            return ERR_TOO_MANY;
        }
        if (write) {
            writableBytes += len;
        } else {
            readableBytes += len;
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
        return list.count();
    }

    public MemorySegment segment(int i) {
        return list.segment(i);
    }

    public long offset(int i) {
        return list.offset(i);
    }

    public long length(int i) {
        return list.length(i);
    }

    public boolean isWritable(int i) {
        return list.isWritable(i);
    }

    /** Index of the first writable buffer, or {@link #count()} when there is none. */
    public int firstWritable() {
        return firstWritable < 0 ? list.count() : firstWritable;
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
        return list.readLE(position, bytes);
    }

    /**
     * Hands the chain's buffers over without copying: returns the filled list and keeps {@code spare}
     * (emptied) to read the next chain into. Returns null, keeping {@code spare}'s owner's list as it
     * was, when the chain spilled over the takeable list; read the buffers from this chain then.
     * The counts and byte totals of this chain stay readable until the next chain.
     */
    public SgList takeList(SgList spare) {
        if (list != takeable) {
            return null;
        }
        SgList filled = takeable;
        spare.clear();
        takeable = spare;
        list = spare;
        return filled;
    }

    /** Drops segment references so an old memory map is not kept reachable. */
    public void clear() {
        list.clear();
        if (list != takeable) {
            takeable.clear();
        }
        list = takeable;
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
