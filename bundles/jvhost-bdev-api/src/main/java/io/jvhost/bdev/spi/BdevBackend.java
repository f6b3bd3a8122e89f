package io.jvhost.bdev.spi;

import io.jvhost.reactor.Reactor;
import org.osgi.annotation.versioning.ConsumerType;

/** A module's implementation of one bdev. */
@ConsumerType
public interface BdevBackend {
    /** Creates this bdev's channel for {@code reactor}; called on that reactor's thread. */
    ModuleChannel createChannel(Reactor reactor);

    /** Releases memory and descriptors; called once, after every channel closed. */
    void destroy();

    /** The SPDK method that recreates this bdev, e.g. {@code bdev_malloc_create}, for save_config. */
    String createMethod();
}
