package io.jvhost.frontend;

import io.jvhost.posix.Fd;
import io.jvhost.posix.Memory;
import io.jvhost.memory.MemoryRegion;
import java.lang.foreign.MemorySegment;

/**
 * A guest's RAM: one memfd shared with the back-end, mapped here, starting at guest-physical
 * address {@link #base()}. Rings and buffers are carved out of it with a bump allocator.
 */
public final class GuestRam implements AutoCloseable {
    private final Fd fd;
    private final MemorySegment memory;
    private final long base;
    private long next;

    /** {@code size} bytes of guest RAM at guest-physical {@code base}. */
    public GuestRam(long size, long base) {
        this.fd = Memory.memfd("jvhost-guest-ram", size);
        this.memory = Memory.mapShared(fd.fd(), size);
        this.base = base;
    }

    public GuestRam(long size) {
        this(size, 0x100000L);
    }

    public Fd fd() {
        return fd;
    }

    public long base() {
        return base;
    }

    public long size() {
        return memory.byteSize();
    }

    /** The whole of guest RAM as seen here. */
    public MemorySegment memory() {
        return memory;
    }

    /** The memory-table entry that describes this RAM to a back-end. */
    public MemoryRegion region() {
        return new MemoryRegion(base, memory.byteSize(), memory.address(), 0);
    }

    /** Allocates {@code bytes} aligned to {@code align}; returns the guest-physical address. */
    public synchronized long allocate(long bytes, long align) {
        long at = (next + align - 1) & -align;
        if (at + bytes > memory.byteSize()) {
            throw new IllegalStateException("guest RAM exhausted: " + bytes + " bytes wanted, "
                    + (memory.byteSize() - at) + " left of " + memory.byteSize());
        }
        next = at + bytes;
        return base + at;
    }

    /** The bytes at guest-physical {@code gpa}. */
    public MemorySegment at(long gpa, long bytes) {
        return memory.asSlice(gpa - base, bytes);
    }

    /** Offset of {@code gpa} within {@link #memory()}. */
    public long offset(long gpa) {
        return gpa - base;
    }

    /** The front-end virtual address of {@code gpa} (what SET_VRING_ADDR carries). */
    public long userAddress(long gpa) {
        return memory.address() + (gpa - base);
    }

    @Override
    public void close() {
        Memory.munmap(memory);
        fd.close();
    }
}
