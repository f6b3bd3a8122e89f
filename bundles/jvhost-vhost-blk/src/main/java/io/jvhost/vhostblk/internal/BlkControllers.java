package io.jvhost.vhostblk.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import io.jvhost.reactor.CpuMask;
import io.jvhost.vhostuser.ControllerSpec;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostController;
import io.jvhost.vhostuser.VhostControllers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Creates virtio-blk controllers: SPDK's {@code vhost_create_blk_controller} and Gogo
 * {@code vhost:create-blk}. When this bundle stops, its controllers are deleted (VMs lose the disk,
 * in-flight requests finish first) and their bdevs are released.
 */
@Component(service = {BlkControllers.class, SubsystemConfig.class}, immediate = true)
public final class BlkControllers implements SubsystemConfig {
    static final String TYPE = "vhost_user_blk";
    /** Queues offered when the caller does not say: QEMU asks one per vCPU. */
    static final int DEFAULT_QUEUES = 16;
    private static final Set<String> PARAMS = Set.of("ctrlr", "dev_name", "cpumask", "readonly", "packed_ring",
            "num_queues", "socket_mode", "socket_owner", "socket_group");
    private final VhostControllers controllers;
    private final BdevRegistry bdevs;
    /** This bundle's controllers and the params that created them, in creation order (for save_config). */
    private final Map<String, Map<String, Object>> mine = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final MethodRegistrations methods;
    private final io.jvhost.config.GogoCommands commands;

    @Activate
    public BlkControllers(BundleContext context, @Reference VhostControllers controllers, @Reference BdevRegistry bdevs) {
        this.controllers = controllers;
        this.bdevs = bdevs;
        this.methods = context == null ? null : MethodRegistrations.register(context,
                MethodRegistrations.method("vhost_create_blk_controller",
                        "Export a bdev as a vhost-user-blk socket: {ctrlr, dev_name, cpumask?, readonly?, packed_ring?,"
                                + " num_queues?, socket_mode?, socket_owner?, socket_group?}", this::create));
        this.commands = context == null ? null : io.jvhost.config.GogoCommands.register(context, "vhost", this,
                "create-blk");
    }

    @Deactivate
    void deactivate() {
        if (methods != null) {
            methods.close();
            commands.close();
        }
        controllers.deleteAll(names());
    }

    /** {@code vhost_create_blk_controller}: returns true as SPDK does. */
    Object create(Params p) {
        p.allowOnly(PARAMS);
        String name = p.string("ctrlr");
        String bdev = p.string("dev_name");
        boolean readOnly = p.bool("readonly", false);
        // packed_ring offers VIRTIO_F_RING_PACKED; the front-end still chooses (QEMU: packed=on)
        boolean packed = p.bool("packed_ring", false);
        int queues = (int) p.integer("num_queues", DEFAULT_QUEUES, 1, 256);
        CpuMask mask = ControllerSpec.cpumask(p);
        SocketOptions socket = SocketOptions.from(p);
        BlkDevice device;
        try {
            device = new BlkDevice(name, bdevs, bdev, readOnly, queues, packed);
        } catch (BdevException e) {
            throw new MethodException(e.rpcCode(), p.method() + ": controller " + name + ": " + e.getMessage(), e);
        }
        Map<String, Object> config = new LinkedHashMap<>(p.asMap());
        try {
            VhostController c = controllers.create(new ControllerSpec(name, TYPE, device, mask, socket,
                    () -> backendInfo(device), config, () -> {
                        mine.remove(name);
                        device.close();
                    }));
            device.attach(c);
            mine.put(name, config);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
        return true;
    }

    private static Map<String, Object> backendInfo(BlkDevice device) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("readonly", device.readOnly());
        block.put("bdev", device.removed() ? null : device.bdev().name());
        block.put("transport", "vhost_user_blk");
        return Map.of("block", block);
    }

    /** Names of the controllers this bundle created. */
    List<String> names() {
        synchronized (mine) {
            return List.copyOf(mine.keySet());
        }
    }

    @Override
    public String subsystem() {
        return "vhost_blk";
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public List<Map<String, Object>> config() {
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (mine) {
            for (Map.Entry<String, Map<String, Object>> e : mine.entrySet()) {
                out.add(SubsystemConfig.call("vhost_create_blk_controller", e.getValue()));
                controllers.find(e.getKey()).map(VhostController::coalescingConfig).ifPresent(out::add);
            }
        }
        return out;
    }

    @Descriptor("Export a bdev as a vhost-user-blk controller; the socket is NAME in the socket directory")
    public String createBlk(@Descriptor("controller name") String name, @Descriptor("bdev name") String bdev) {
        create(new Params("vhost:create-blk", Map.of("ctrlr", name, "dev_name", bdev)));
        return "controller " + name + " listening on " + controllers.socketDirectory().resolve(name);
    }

    @Descriptor("Export a bdev as a vhost-user-blk controller on the reactors of CPUMASK")
    public String createBlk(@Descriptor("controller name") String name, @Descriptor("bdev name") String bdev,
            @Descriptor("cpumask, e.g. 0x1 or 0-1") String cpumask) {
        create(new Params("vhost:create-blk", Map.of("ctrlr", name, "dev_name", bdev, "cpumask", cpumask)));
        return "controller " + name + " listening on " + controllers.socketDirectory().resolve(name);
    }
}
