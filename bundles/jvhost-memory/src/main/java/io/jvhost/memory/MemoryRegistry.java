package io.jvhost.memory;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Memory that I/O buffers will come from, announced ahead of I/O (SPDK's {@code spdk_mem_register}):
 * bdev modules that do DMA ({@link MemoryListener}s, e.g. the NVMe driver) map it for their devices,
 * so requests whose data lies in it need no copy. Buffers outside registered memory still work,
 * through the module's own DMA buffers.
 */
@ProviderType
public interface MemoryRegistry {
    /**
     * Registers {@code memory} (page-aligned start and size work best). The caller keeps the memory
     * alive and stops I/O on it before closing the returned registration.
     */
    Registration register(MemorySegment memory, String owner);

    /** Everything registered now, oldest first. */
    List<MemorySegment> registered();

    /** Withdraws a registration; returns once every listener stopped using the memory. Idempotent. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
