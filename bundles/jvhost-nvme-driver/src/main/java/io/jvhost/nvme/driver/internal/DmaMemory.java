package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.posix.Fd;
import io.jvhost.posix.Memory;
import io.jvhost.posix.NativeException;
import io.jvhost.posix.Posix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * DMA memory of one controller: queues, PRP lists, Identify pages and bounce buffers. Each
 * allocation is its own mapping, locked in RAM, on 2 MiB huge pages when the system has them. Under
 * the IOMMU it is mapped at an I/O address the container hands out; in no-IOMMU mode its physical
 * pages are read from /proc/self/pagemap (which needs CAP_SYS_ADMIN) and must not move, hence locked.
 */
final class DmaMemory implements AutoCloseable {
    private static final long HUGE_PAGE = 2L << 20;
    private static final long PFN_MASK = (1L << 55) - 1;
    private static final long PRESENT = 1L << 63;
    private final VfioContainer container;
    private final String owner;
    private final List<DmaBuffer> allocations = new ArrayList<>();

    DmaMemory(VfioContainer container, String owner) {
        this.container = container;
        this.owner = owner;
    }

    /**
     * Allocates {@code bytes} (rounded up to pages), zeroed. With {@code contiguous} the device sees
     * one contiguous range (needed for queues, which QEMU and most controllers require contiguous).
     */
    synchronized DmaBuffer allocate(long bytes, boolean contiguous) {
        long size = (bytes + DmaBuffer.PAGE - 1) & -DmaBuffer.PAGE;
        boolean noIommu = container.noIommu();
        MemorySegment m = null;
        if (size >= HUGE_PAGE || (noIommu && contiguous && size > DmaBuffer.PAGE)) {
            long huge = (size + HUGE_PAGE - 1) & -HUGE_PAGE;
            try {
                m = Memory.mmap(huge, Memory.PROT_READ | Memory.PROT_WRITE,
                        Memory.MAP_PRIVATE | Memory.MAP_ANONYMOUS | Memory.MAP_HUGETLB | Memory.MAP_POPULATE, -1, 0);
            } catch (NativeException e) {
                m = null; // no huge pages reserved: ordinary pages
            }
        }
        if (m == null) {
            try {
                m = Memory.mmap(size, Memory.PROT_READ | Memory.PROT_WRITE,
                        Memory.MAP_PRIVATE | Memory.MAP_ANONYMOUS | Memory.MAP_POPULATE | Memory.MAP_LOCKED, -1, 0);
            } catch (NativeException e) {
                throw new NvmeDriverException(owner + ": cannot allocate " + size + " bytes of locked DMA memory: "
                        + e.getMessage() + " (raise the locked-memory limit, ulimit -l, or reserve huge pages)");
            }
        }
        DmaBuffer b;
        try {
            if (noIommu) {
                b = new DmaBuffer(m, 0, physicalPages(m));
                if (contiguous && !b.contiguous()) {
                    throw new NvmeDriverException(owner + ": no-IOMMU mode needs physically contiguous memory for "
                            + size + "-byte queues: reserve huge pages (echo 64 > /proc/sys/vm/nr_hugepages) or use "
                            + "smaller queues");
                }
            } else {
                long iova = container.allocateIova(m.byteSize());
                container.map(m, iova);
                b = new DmaBuffer(m, iova, null);
            }
        } catch (RuntimeException e) {
            Memory.munmap(m);
            throw e;
        }
        allocations.add(b);
        return b;
    }

    /** Releases one allocation (the device must no longer use it). */
    synchronized void free(DmaBuffer b) {
        if (allocations.remove(b)) {
            release(b);
        }
    }

    private void release(DmaBuffer b) {
        if (!container.noIommu()) {
            container.unmap(b.iova(0), b.memory().byteSize());
        }
        Memory.munmap(b.memory());
    }

    private long[] physicalPages(MemorySegment m) {
        int n = (int) (m.byteSize() / DmaBuffer.PAGE);
        long[] pages = new long[n];
        try (Fd pagemap = new Fd(Posix.open("/proc/self/pagemap", Posix.O_RDONLY, 0)); Arena a = Arena.ofConfined()) {
            MemorySegment entries = a.allocate(8L * n, 8);
            Posix.pread(pagemap.fd(), entries, 8L * n, (m.address() / DmaBuffer.PAGE) * 8);
            for (int i = 0; i < n; i++) {
                long e = entries.getAtIndex(ValueLayout.JAVA_LONG, i);
                long pfn = e & PFN_MASK;
                if ((e & PRESENT) == 0 || pfn == 0) {
                    throw new NvmeDriverException(owner + ": /proc/self/pagemap gives no physical address (no-IOMMU "
                            + "mode needs CAP_SYS_ADMIN, i.e. root)");
                }
                pages[i] = pfn * DmaBuffer.PAGE;
            }
        }
        return pages;
    }

    @Override
    public synchronized void close() {
        allocations.forEach(this::release);
        allocations.clear();
    }
}
