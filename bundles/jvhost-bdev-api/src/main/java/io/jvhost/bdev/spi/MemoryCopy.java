package io.jvhost.bdev.spi;

import io.jvhost.bdev.BdevIo;
import io.jvhost.posix.Memory;
import java.lang.foreign.MemorySegment;

/**
 * Block I/O served by copying between a request's segments and a memory image of the disk: the
 * malloc module's RAM, or a tmpfs file mapped by the aio module. Zeroed ranges give whole pages back
 * with {@code madvise} (DONTNEED for private memory, REMOVE to punch a shared file) and clear the rest.
 */
public final class MemoryCopy {
    private static final long PAGE = 4096;

    private MemoryCopy() {
    }

    /**
     * Executes {@code io} against {@code image}; returns a {@link BdevIo} status. A fault while
     * copying (a mapped file truncated underneath) fails the request instead of the process.
     */
    public static int execute(BdevIo io, MemorySegment image, int blockSize, int zeroAdvice) {
        long off = io.offsetBlocks() * blockSize;
        try {
            switch (io.type()) {
                case READ -> {
                    for (int i = 0; i < io.segmentCount(); i++) {
                        long len = io.segmentLength(i);
                        MemorySegment.copy(image, off, io.segment(i), io.segmentOffset(i), len);
                        off += len;
                    }
                }
                case WRITE -> {
                    for (int i = 0; i < io.segmentCount(); i++) {
                        long len = io.segmentLength(i);
                        MemorySegment.copy(io.segment(i), io.segmentOffset(i), image, off, len);
                        off += len;
                    }
                }
                case UNMAP, WRITE_ZEROES -> zero(image, off, io.numBlocks() * blockSize, zeroAdvice);
                case FLUSH, RESET -> { }
                default -> {
                    return BdevIo.UNSUPPORTED;
                }
            }
        } catch (InternalError | IndexOutOfBoundsException fault) {
            return BdevIo.FAILED;
        }
        return BdevIo.SUCCESS;
    }

    private static void zero(MemorySegment image, long off, long len, int advice) {
        long start = (off + PAGE - 1) & -PAGE;
        long end = (off + len) & -PAGE;
        if (end > start) {
            image.asSlice(off, start - off).fill((byte) 0);
            Memory.madvise(image.asSlice(start, end - start), advice);
            image.asSlice(end, off + len - end).fill((byte) 0);
        } else {
            image.asSlice(off, len).fill((byte) 0);
        }
    }
}
