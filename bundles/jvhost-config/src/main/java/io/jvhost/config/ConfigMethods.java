package io.jvhost.config;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The methods currently contributed by running bundles. Registered as a service. */
@ProviderType
public interface ConfigMethods {
    /** Method names, sorted. */
    List<String> names();

    /**
     * Calls {@code method}.
     *
     * @throws MethodException METHOD_NOT_FOUND when no running bundle provides it, or the method's own error
     */
    Object invoke(String method, Object params);

    /**
     * Applies an SPDK config document ({@code {"subsystems":[{"subsystem":..,"config":[{"method":..,
     * "params":..}]}]}}) in order; stops at the first failure with an error naming the subsystem,
     * the entry and the method.
     */
    void apply(Object document);
}
