package io.jvhost.bdev.aio.internal;

import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.reactor.Reactor;

/** One aio bdev: a channel (own io_uring) per reactor over one shared file descriptor. */
final class AioBackend implements BdevBackend {
    private final AioFile file;
    private final int blockSize;
    private final Runnable onDestroy;

    AioBackend(AioFile file, int blockSize, Runnable onDestroy) {
        this.file = file;
        this.blockSize = blockSize;
        this.onDestroy = onDestroy;
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        return new AioChannel(file.fd.fd(), blockSize, reactor);
    }

    @Override
    public void destroy() {
        onDestroy.run();
        file.fd.close();
    }

    @Override
    public String createMethod() {
        return "bdev_aio_create";
    }
}
