package io.jvhost.bdev;

import io.jvhost.reactor.Reactor;
import org.osgi.annotation.versioning.ProviderType;

/** An open bdev. Close it when done; closing releases the claim. */
@ProviderType
public interface BdevDescriptor extends AutoCloseable {
    Bdev bdev();

    OpenMode mode();

    /** Who opened it, as given to {@link BdevRegistry#open}. */
    String owner();

    /**
     * The I/O channel for {@code reactor}. Must be called on that reactor's thread; each call gives a
     * new channel that the caller closes.
     */
    IoChannel channel(Reactor reactor);

    @Override
    void close();
}
