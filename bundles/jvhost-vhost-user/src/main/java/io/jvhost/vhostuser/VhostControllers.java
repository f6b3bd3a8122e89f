package io.jvhost.vhostuser;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Every vhost-user controller of the process, whatever its device type. Device bundles create
 * controllers here; deletion, listing and statistics (config methods and Gogo) are shared.
 * Registered as a service by the vhost-user bundle.
 */
@ProviderType
public interface VhostControllers {
    /** Where controller sockets are created ({@code -S DIR}, default /var/tmp). */
    Path socketDirectory();

    /**
     * Creates a controller and starts listening.
     *
     * @throws io.jvhost.config.MethodException EEXIST for a taken name, invalid params for a bad name
     *     or cpumask, or the socket error
     */
    VhostController create(ControllerSpec spec);

    Optional<VhostController> find(String name);

    List<VhostController> list();

    /**
     * Deletes a controller: the socket closes, a connected front-end's queues drain, then the
     * spec's {@code onDelete} runs.
     *
     * @throws io.jvhost.config.MethodException ENODEV when there is no such controller
     */
    void delete(String name);

    /** Deletes those of {@code names} that still exist (a device bundle stopping); the rest are skipped. */
    void deleteAll(java.util.Collection<String> names);
}
