package io.jvhost.bdev.spi;

import io.jvhost.reactor.Reactor;
import java.util.Map;
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

    /**
     * What {@code bdev_get_bdevs} shows under {@code driver_specific}, shaped as SPDK's module of the
     * same kind writes it (e.g. {@code {"aio": {"filename": ...}}}); empty for modules SPDK shows
     * nothing for. Called off the reactors.
     */
    default Map<String, Object> driverSpecific() {
        return Map.of();
    }
}
