package io.jvhost.bdev.aio.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.DeferredCompletionChannel;
import io.jvhost.bdev.spi.MemoryCopy;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.posix.Memory;
import io.jvhost.reactor.Reactor;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One aio bdev: a channel (own io_uring) per reactor over one shared file descriptor. A file on
 * tmpfs or hugetlbfs is memory already: io_uring would copy it in the kernel, partly on worker
 * threads that compete with the reactor, so it is mapped once and channels copy through the mapping.
 */
final class AioBackend implements BdevBackend {
    private final AioFile file;
    private final int blockSize;
    private final Runnable onDestroy;
    private final MemorySegment image;
    private final boolean blockSizeOverride;

    AioBackend(AioFile file, int blockSize, long bytes, boolean blockSizeOverride, Runnable onDestroy) {
        this.file = file;
        this.blockSizeOverride = blockSizeOverride;
        this.blockSize = blockSize;
        this.onDestroy = onDestroy;
        this.image = file.memoryBacked ? Memory.mmap(bytes, Memory.PROT_READ | (file.readOnly ? 0 : Memory.PROT_WRITE),
                Memory.MAP_SHARED, file.fd.fd(), 0) : null;
    }

    /** Bytes the channels may address: a memory-backed bdev cannot grow past its mapping. */
    long mappedBytes() {
        return image == null ? Long.MAX_VALUE : image.byteSize();
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        if (image != null) {
            return new DeferredCompletionChannel() {
                @Override
                protected int execute(BdevIo io) {
                    return MemoryCopy.execute(io, image, blockSize, Memory.MADV_REMOVE);
                }
            };
        }
        return new AioChannel(file.fd.fd(), blockSize, reactor);
    }

    @Override
    public void destroy() {
        onDestroy.run();
        if (image != null) {
            Memory.munmap(image);
        }
        file.fd.close();
    }

    @Override
    public String createMethod() {
        return "bdev_aio_create";
    }

    @Override
    public Map<String, Object> driverSpecific() {
        Map<String, Object> aio = new LinkedHashMap<>();
        aio.put("filename", file.path());
        aio.put("block_size_override", blockSizeOverride);
        aio.put("readonly", file.readOnly);
        return Map.of("aio", aio);
    }
}
