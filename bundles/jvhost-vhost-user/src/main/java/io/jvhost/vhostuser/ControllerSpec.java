package io.jvhost.vhostuser;

import io.jvhost.reactor.CpuMask;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What a device bundle asks {@link VhostControllers} to create.
 *
 * @param name controller name; the socket is this name inside the socket directory
 * @param type e.g. {@code vhost_user_blk}, for listings
 * @param device the device emulation serving its queues
 * @param cpumask reactors its queues may run on (null: all)
 * @param socket ownership and mode of the socket file
 * @param backendInfo the {@code backend_specific} part of {@code vhost_get_controllers}
 * @param config the params that recreate it (for save_config)
 * @param onDelete runs after the socket closed and every queue stopped (release the bdev here)
 */
public record ControllerSpec(String name, String type, VhostUserDevice device, CpuMask cpumask, SocketOptions socket,
        Supplier<Map<String, Object>> backendInfo, Map<String, Object> config, Runnable onDelete) {

    /**
     * The optional {@code cpumask} param of a controller-creating method, or null for all reactors.
     *
     * @throws io.jvhost.config.MethodException invalid params for a mask that does not parse
     */
    public static CpuMask cpumask(io.jvhost.config.Params p) {
        if (!p.has("cpumask")) {
            return null;
        }
        try {
            return CpuMask.parse(p.string("cpumask"));
        } catch (IllegalArgumentException e) {
            throw io.jvhost.config.MethodException.invalidParams(p.method() + ": cpumask: " + e.getMessage());
        }
    }
}
