package io.jvhost.vhostblk.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import io.jvhost.vhostuser.OwnedControllers;
import io.jvhost.vhostuser.VhostControllers;
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
    private static final Set<String> PARAMS = params();
    private static Set<String> params() {
        Set<String> s = new java.util.HashSet<>(Set.of("ctrlr", "dev_name", "cpumask", "readonly", "packed_ring",
                "num_queues", "transport"));
        s.addAll(io.jvhost.vhostuser.SocketOptions.PARAMS);
        return Set.copyOf(s);
    }

    /** rpc.py sends it on every call; a packed ring's inflight recovery is the crash-recovery issue's, not a switch. */
    private static final Set<String> WITHOUT_EFFECT = Set.of("packed_ring_recovery");
    private final BdevRegistry bdevs;
    private final OwnedControllers<BlkDevice> mine;
    private final BundleCommands commands;

    @Activate
    public BlkControllers(BundleContext context, @Reference VhostControllers controllers, @Reference BdevRegistry bdevs) {
        this.bdevs = bdevs;
        this.mine = new OwnedControllers<>(controllers, TYPE, "vhost_create_blk_controller", BlkDevice::close);
        this.commands = BundleCommands.register(context, "vhost", this, BundleCommands.gogo("create-blk"),
                MethodRegistrations.method("vhost_create_blk_controller",
                        "Export a bdev as a vhost-user-blk socket: {ctrlr, dev_name, cpumask?, readonly?, packed_ring?,"
                                + " num_queues?, socket_mode?, socket_owner?, socket_group?, max_sessions?}", this::create));
    }

    @Deactivate
    void deactivate() {
        commands.close();
        mine.deleteAll();
    }

    /** {@code vhost_create_blk_controller}: returns true as SPDK does. */
    Object create(Params p) {
        p.allowOnly(PARAMS, WITHOUT_EFFECT);
        String name = p.string("ctrlr");
        String transport = p.string("transport", TYPE);
        if (!TYPE.equals(transport)) {
            throw io.jvhost.config.MethodException.invalidParams(p.method() + ": controller " + name + ": transport '"
                    + transport + "' is not offered; jvhost serves virtio-blk as '" + TYPE + "' only");
        }
        // packed_ring offers VIRTIO_F_RING_PACKED; the front-end still chooses (QEMU: packed=on)
        BlkDevice device;
        try {
            device = new BlkDevice(name, bdevs, p.string("dev_name"), p.bool("readonly", false),
                    (int) p.integer("num_queues", DEFAULT_QUEUES, 1, 256), p.bool("packed_ring", false));
        } catch (BdevException e) {
            throw e.forMethod(p, "controller " + name);
        }
        device.attach(mine.create(savedAsSpdk(p), device, () -> backendInfo(device)));
        return true;
    }

    /** The create call's params as SPDK's save_config writes them: readonly, packed_ring and transport always. */
    private static Params savedAsSpdk(Params p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ctrlr", p.string("ctrlr"));
        m.put("dev_name", p.string("dev_name"));
        m.put("readonly", p.bool("readonly", false));
        m.put("packed_ring", p.bool("packed_ring", false));
        p.asMap().forEach((k, v) -> {
            if (!WITHOUT_EFFECT.contains(k)) {
                m.putIfAbsent(k, v);
            }
        });
        m.putIfAbsent("transport", TYPE);
        return new Params(p.method(), m);
    }

    private static Map<String, Object> backendInfo(BlkDevice device) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("readonly", device.readOnly());
        block.put("bdev", device.removed() ? null : device.bdev().name());
        block.put("transport", TYPE);
        return Map.of("block", block);
    }

    /** Names of the controllers this bundle created. */
    List<String> names() {
        return mine.names();
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
        return mine.config((name, device, out) -> { });
    }

    @Descriptor("Export a bdev as a vhost-user-blk controller; the socket is NAME in the socket directory")
    public String createBlk(@Descriptor("controller name") String name, @Descriptor("bdev name") String bdev) {
        create(new Params("vhost:create-blk", Map.of("ctrlr", name, "dev_name", bdev)));
        return mine.listening(name);
    }

    @Descriptor("Export a bdev as a vhost-user-blk controller on the reactors of CPUMASK")
    public String createBlk(@Descriptor("controller name") String name, @Descriptor("bdev name") String bdev,
            @Descriptor("cpumask, e.g. 0x1 or 0-1") String cpumask) {
        create(new Params("vhost:create-blk", Map.of("ctrlr", name, "dev_name", bdev, "cpumask", cpumask)));
        return mine.listening(name);
    }
}
