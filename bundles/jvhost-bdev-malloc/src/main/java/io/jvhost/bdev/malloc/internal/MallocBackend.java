package io.jvhost.bdev.malloc.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.DeferredCompletionChannel;
import io.jvhost.bdev.spi.MemoryCopy;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.posix.Memory;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.MemorySegment;

/**
 * A RAM disk in anonymous off-heap memory (pages are allocated on first write and released at
 * once on delete). The only module that copies data.
 */
public final class MallocBackend implements BdevBackend {
    private final MemorySegment memory;
    private final int blockSize;

    public MallocBackend(long bytes, int blockSize) {
        this.memory = Memory.mmap(bytes, Memory.PROT_READ | Memory.PROT_WRITE, Memory.MAP_PRIVATE | Memory.MAP_ANONYMOUS,
                -1, 0);
        this.blockSize = blockSize;
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        return new DeferredCompletionChannel() {
            @Override
            protected int execute(BdevIo io) {
                return MallocBackend.this.execute(io);
            }
        };
    }

    int execute(BdevIo io) {
        return MemoryCopy.execute(io, memory, blockSize, Memory.MADV_DONTNEED);
    }

    @Override
    public void destroy() {
        Memory.munmap(memory);
    }

    @Override
    public String createMethod() {
        return "bdev_malloc_create";
    }
}
