package io.jvhost.vhostuser;

import io.jvhost.config.MethodException;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The controllers one device bundle created, and what recreates them: the part every controller type
 * (blk, scsi, nvme) shares. {@link #create} builds the controller from the method's params (name,
 * cpumask, socket options) and remembers its device; however the controller is deleted
 * ({@code vhost_delete_controller}, or {@link #deleteAll} when the bundle stops), it is forgotten and
 * its device closed once its queues stopped. {@link #config} gives save_config one create call per
 * controller, its coalescing call, and the type's own calls (namespaces, targets).
 *
 * @param <D> the bundle's device type
 */
public final class OwnedControllers<D extends VhostUserDevice> {
    /** A controller type's own save_config calls for one controller, after its create call. */
    @FunctionalInterface
    public interface ConfigCalls<D> {
        void add(String controller, D device, List<Map<String, Object>> out);
    }

    private record Owned<D>(D device, Map<String, Object> params) {
    }

    private final VhostControllers controllers;
    private final String type;
    private final String createMethod;
    private final String shortName;
    private final Consumer<D> close;
    /** In creation order, so that save_config recreates them in the same order. */
    private final Map<String, Owned<D>> owned = Collections.synchronizedMap(new LinkedHashMap<>());

    /**
     * @param type the controller type in listings, e.g. {@code vhost_user_blk}
     * @param createMethod the method whose params recreate a controller, e.g. {@code vhost_create_blk_controller}
     * @param close releases a device after its controller was deleted (its bdevs, its reactor state)
     */
    public OwnedControllers(VhostControllers controllers, String type, String createMethod, Consumer<D> close) {
        this.controllers = controllers;
        this.type = type;
        this.createMethod = createMethod;
        this.shortName = type.replace("_user_", "-").replace('_', '-');
        this.close = close;
    }

    /**
     * Creates a controller named by the params' {@code ctrlr} for {@code device}, listening at once;
     * the device is closed when this fails.
     *
     * @param backendInfo the {@code backend_specific} part of {@code vhost_get_controllers}
     */
    public VhostController create(Params p, D device, Supplier<Map<String, Object>> backendInfo) {
        String name = p.string("ctrlr");
        Map<String, Object> params = new LinkedHashMap<>(p.asMap());
        VhostController c;
        try {
            c = controllers.create(new ControllerSpec(name, type, device, ControllerSpec.cpumask(p),
                    SocketOptions.from(p), backendInfo, params, () -> {
                        owned.remove(name);
                        close.accept(device);
                    }));
        } catch (RuntimeException e) {
            close.accept(device);
            throw e;
        }
        // saved as SPDK saves it: with the reactors' mask the controller runs on, given or not
        params.putIfAbsent("cpumask", c.cpumask().toString());
        owned.put(name, new Owned<>(device, params));
        return c;
    }

    /** The device of the controller the params' {@code ctrlr} names; ENODEV when this bundle has none of that name. */
    public D device(Params p) {
        String name = p.string("ctrlr");
        Owned<D> o = owned.get(name);
        if (o == null) {
            throw MethodException.noDevice(p.method() + ": no " + shortName + " controller named " + name
                    + " (vhost_get_controllers lists them)");
        }
        return o.device();
    }

    /** Names of the controllers this bundle created, in creation order. */
    public List<String> names() {
        synchronized (owned) {
            return List.copyOf(owned.keySet());
        }
    }

    /** Deletes every controller of this bundle (it is stopping): sockets close, queues drain, devices close. */
    public void deleteAll() {
        controllers.deleteAll(names());
    }

    /** save_config's calls for this bundle's controllers, in creation order. */
    public List<Map<String, Object>> config(ConfigCalls<D> typeCalls) {
        List<Map.Entry<String, Owned<D>>> all;
        synchronized (owned) {
            all = new ArrayList<>(owned.entrySet());
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, Owned<D>> e : all) {
            out.add(SubsystemConfig.call(createMethod, e.getValue().params()));
            controllers.find(e.getKey()).map(VhostController::coalescingConfig).ifPresent(out::add);
            typeCalls.add(e.getKey(), e.getValue().device(), out);
        }
        return out;
    }

    /** The reply of a Gogo create command. */
    public String listening(String name) {
        return "controller " + name + " listening on " + controllers.socketDirectory().resolve(name);
    }
}
