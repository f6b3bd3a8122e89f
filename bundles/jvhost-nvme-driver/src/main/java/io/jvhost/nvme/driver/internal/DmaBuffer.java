package io.jvhost.nvme.driver.internal;

import java.lang.foreign.MemorySegment;

/**
 * Memory a controller can read and write: the CPU's view ({@link #memory}) and the address the
 * device uses for each byte ({@link #iova}). Under the IOMMU the buffer is mapped at an I/O virtual
 * address of its own (process addresses are often wider than the IOMMU's 39 bits); in no-IOMMU mode
 * each 4 KiB page has its own physical address.
 */
final class DmaBuffer {
    static final int PAGE = 4096;
    private final MemorySegment memory;
    /** I/O address of the first byte when the buffer is contiguous for the device. */
    private final long iovaBase;
    /** Physical address of each page (no-IOMMU mode), or null. */
    private final long[] pages;

    DmaBuffer(MemorySegment memory, long iovaBase, long[] pages) {
        this.memory = memory;
        this.iovaBase = iovaBase;
        this.pages = pages;
    }

    MemorySegment memory() {
        return memory;
    }

    /** The device's address of byte {@code offset}. */
    long iova(long offset) {
        return pages == null ? iovaBase + offset : pages[(int) (offset >>> 12)] + (offset & (PAGE - 1));
    }

    /** A buffer over part of this one, sharing its pages ({@code offset} page-aligned). */
    DmaBuffer slice(long offset, long bytes) {
        MemorySegment part = memory.asSlice(offset, bytes);
        if (pages == null) {
            return new DmaBuffer(part, iovaBase + offset, null);
        }
        long[] sub = new long[(int) ((bytes + PAGE - 1) / PAGE)];
        System.arraycopy(pages, (int) (offset / PAGE), sub, 0, sub.length);
        return new DmaBuffer(part, 0, sub);
    }

    /** Whether the device sees the whole buffer as one contiguous range. */
    boolean contiguous() {
        if (pages == null) {
            return true;
        }
        for (int i = 1; i < pages.length; i++) {
            if (pages[i] != pages[i - 1] + PAGE) {
                return false;
            }
        }
        return true;
    }
}
