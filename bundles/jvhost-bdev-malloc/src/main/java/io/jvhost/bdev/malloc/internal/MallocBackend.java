package io.jvhost.bdev.malloc.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.DeferredCompletionChannel;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.posix.Memory;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.MemorySegment;

/**
 * A RAM disk in anonymous off-heap memory (pages are allocated on first write and released at
 * once on delete). The only module that copies data.
 */
public final class MallocBackend implements BdevBackend {
    private static final long PAGE = 4096;
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
        long off = io.offsetBlocks() * blockSize;
        switch (io.type()) {
            case READ -> {
                for (int i = 0; i < io.segmentCount(); i++) {
                    long len = io.segmentLength(i);
                    MemorySegment.copy(memory, off, io.segment(i), io.segmentOffset(i), len);
                    off += len;
                }
            }
            case WRITE -> {
                for (int i = 0; i < io.segmentCount(); i++) {
                    long len = io.segmentLength(i);
                    MemorySegment.copy(io.segment(i), io.segmentOffset(i), memory, off, len);
                    off += len;
                }
            }
            case UNMAP, WRITE_ZEROES -> zero(off, io.numBlocks() * blockSize);
            case FLUSH, RESET -> { }
            default -> {
                return BdevIo.UNSUPPORTED;
            }
        }
        return BdevIo.SUCCESS;
    }

    /** Whole pages go back to the kernel (and read as zero); partial pages are cleared. */
    private void zero(long off, long len) {
        long start = (off + PAGE - 1) & -PAGE;
        long end = (off + len) & -PAGE;
        if (end > start) {
            memory.asSlice(off, start - off).fill((byte) 0);
            Memory.madvise(memory.asSlice(start, end - start), Memory.MADV_DONTNEED);
            memory.asSlice(end, off + len - end).fill((byte) 0);
        } else {
            memory.asSlice(off, len).fill((byte) 0);
        }
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
