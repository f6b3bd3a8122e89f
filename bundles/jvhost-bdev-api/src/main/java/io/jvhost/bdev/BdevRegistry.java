package io.jvhost.bdev;

import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.BdevSpec;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/** All bdevs of the process. Registered as a service by jvhost-bdev-core. */
@ProviderType
public interface BdevRegistry {
    List<Bdev> list();

    Optional<Bdev> find(String name);

    /**
     * Opens {@code name}. A write-exclusive open fails if any other writer has it open; a shared
     * write open fails only against an exclusive writer.
     *
     * @throws BdevException NOT_FOUND or BUSY naming the current owner
     */
    BdevDescriptor open(String name, OpenMode mode, String owner, BdevEventListener listener);

    /**
     * Registers a bdev provided by a module. The name must be unique.
     *
     * @throws BdevException EXISTS or INVALID
     */
    Bdev register(BdevSpec spec, BdevBackend backend);

    /**
     * Deletes a bdev that nobody has open; with {@code force} (module stopping) it is hot-removed
     * even when open. The future completes once its channels drained and the backend was destroyed.
     *
     * @throws BdevException NOT_FOUND, or BUSY naming the openers when not forced
     */
    CompletableFuture<Void> unregister(String name, boolean force);

    /** Changes a bdev's size and tells its openers. */
    void resize(String name, long newBlockCount);
}
