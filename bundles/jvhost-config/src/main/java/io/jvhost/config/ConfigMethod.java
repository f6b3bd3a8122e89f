package io.jvhost.config;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One SPDK-style method (e.g. {@code bdev_malloc_create}), registered as a service by the bundle
 * that implements it. The same method serves the {@code --config} file and JSON-RPC, so it appears
 * when its bundle starts and disappears when it stops.
 */
@ConsumerType
public interface ConfigMethod {
    /** Service property naming the method; must equal {@link #name()}. */
    String NAME_PROPERTY = "jvhost.method";

    /** The method name as SPDK spells it. */
    String name();

    /** A one-line description for {@code rpc_get_methods} style listings. */
    String description();

    /**
     * Runs the method; returns a JSON-able result (Map, List, String, Number, Boolean or null).
     *
     * @throws MethodException with SPDK's error code when the call fails
     */
    Object invoke(Params params);
}
