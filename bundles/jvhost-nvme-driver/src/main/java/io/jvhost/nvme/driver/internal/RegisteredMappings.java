package io.jvhost.nvme.driver.internal;

import java.lang.foreign.MemorySegment;

/**
 * Memory registered with the bdev layer, mapped into one controller's IOMMU (its VFIO container) in
 * whole pages, so that data there goes to the device without a copy. Queue pairs look addresses up
 * in an immutable table without locks; mapping and unmapping are serialized here. In no-IOMMU mode
 * nothing is mapped: physical pages of such memory are unknown and could move, so its data is copied.
 */
final class RegisteredMappings {
    private final VfioContainer container;
    private volatile ExternalMemory table = ExternalMemory.EMPTY;
    /** Once the controller is detached its container goes away with every mapping; guarded by this. */
    private boolean closed;

    RegisteredMappings(VfioContainer container) {
        this.container = container;
    }

    synchronized void map(MemorySegment memory) {
        if (closed || container.noIommu()) {
            return;
        }
        long start = pageStart(memory), end = pageEnd(memory);
        if (table.iovaOfRange(start, end) >= 0) {
            return;
        }
        long iova = container.allocateIova(end - start);
        container.map(MemorySegment.ofAddress(start).reinterpret(end - start), iova);
        table = table.with(start, end, iova);
    }

    synchronized void unmap(MemorySegment memory) {
        long start = pageStart(memory), end = pageEnd(memory);
        long iova = table.iovaOfRange(start, end);
        if (iova < 0) {
            return;
        }
        table = table.without(start, end);
        if (!closed) {
            container.unmap(iova, end - start);
        }
    }

    /** The device's address for {@code [address, address + length)} of registered memory, or -1. */
    long iova(long address, long length) {
        return table.translate(address, length);
    }

    /** The controller is being detached: no new mappings, and none to undo (the container goes). */
    synchronized void close() {
        closed = true;
    }

    /** The first page's address and the end of the last page around {@code memory}. */
    private static long pageStart(MemorySegment memory) {
        return memory.address() & -DmaBuffer.PAGE;
    }

    private static long pageEnd(MemorySegment memory) {
        return (memory.address() + memory.byteSize() + DmaBuffer.PAGE - 1) & -DmaBuffer.PAGE;
    }
}
