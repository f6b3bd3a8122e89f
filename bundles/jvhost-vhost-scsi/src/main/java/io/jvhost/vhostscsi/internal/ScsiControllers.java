package io.jvhost.vhostscsi.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import io.jvhost.scsi.ScsiTarget;
import io.jvhost.scsi.ScsiTargetFactory;
import io.jvhost.vhostuser.ControllerSpec;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostControllers;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
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
 * Creates virtio-scsi controllers and attaches targets to them: SPDK's
 * {@code vhost_create_scsi_controller}, {@code vhost_scsi_controller_add_target} and
 * {@code vhost_scsi_controller_remove_target}, with Gogo equivalents. Targets can be added and removed
 * while a guest runs; the guest is told through the event queue.
 */
@Component(service = {ScsiControllers.class, SubsystemConfig.class}, immediate = true)
public final class ScsiControllers implements SubsystemConfig {
    static final String TYPE = "vhost_user_scsi";
    /** Request queues offered when the caller does not say (QEMU asks for num_queues of them). */
    static final int DEFAULT_QUEUES = 16;
    private static final Set<String> CREATE_PARAMS;

    static {
        Set<String> s = new HashSet<>(Set.of("ctrlr", "cpumask", "num_queues"));
        s.addAll(SocketOptions.PARAMS);
        CREATE_PARAMS = Set.copyOf(s);
    }

    private final VhostControllers controllers;
    private final ScsiTargetFactory targets;
    /** This bundle's controllers and the params that created them, in creation order. */
    private final Map<String, Created> mine = Collections.synchronizedMap(new LinkedHashMap<>());
    private final MethodRegistrations methods;
    private final io.jvhost.config.GogoCommands commands;

    private record Created(ScsiDevice device, Map<String, Object> params) {
    }

    @Activate
    public ScsiControllers(BundleContext context, @Reference VhostControllers controllers,
            @Reference ScsiTargetFactory targets) {
        this.controllers = controllers;
        this.targets = targets;
        this.methods = context == null ? null : MethodRegistrations.register(context,
                MethodRegistrations.method("vhost_create_scsi_controller",
                        "Create a vhost-user-scsi controller with no targets: {ctrlr, cpumask?, num_queues?, socket_mode?,"
                                + " socket_owner?, socket_group?}", this::create),
                MethodRegistrations.method("vhost_scsi_controller_add_target",
                        "Attach a bdev as LUN 0 of a new target: {ctrlr, scsi_target_num (-1: first free), bdev_name};"
                                + " returns the target number", this::addTarget),
                MethodRegistrations.method("vhost_scsi_controller_remove_target",
                        "Detach a target once its commands finished: {ctrlr, scsi_target_num}", this::removeTarget),
                MethodRegistrations.method("vhost_scsi_controller_add_lun",
                        "Attach a bdev as another LUN (1-255) of a target: {ctrlr, scsi_target_num, lun, bdev_name}",
                        this::addLun),
                MethodRegistrations.method("vhost_scsi_controller_remove_lun",
                        "Detach a LUN once its commands finished (LUN 0 removes the target): {ctrlr, scsi_target_num,"
                                + " lun}", this::removeLun));
        this.commands = context == null ? null : io.jvhost.config.GogoCommands.register(context, "vhost", this,
                "create-scsi", "scsi-add-target", "scsi-remove-target", "scsi-add-lun", "scsi-remove-lun");
    }

    @Deactivate
    void deactivate() {
        List<String> names;
        if (methods != null) {
            methods.close();
            commands.close();
        }
        synchronized (mine) {
            names = List.copyOf(mine.keySet());
        }
        controllers.deleteAll(names);
    }

    /** {@code vhost_create_scsi_controller}: returns true as SPDK does. */
    Object create(Params p) {
        p.allowOnly(CREATE_PARAMS);
        String name = p.string("ctrlr");
        int queues = (int) p.integer("num_queues", DEFAULT_QUEUES, 1, 254);
        ScsiDevice device = new ScsiDevice(name, targets, queues);
        Map<String, Object> params = new LinkedHashMap<>(p.asMap());
        controllers.create(new ControllerSpec(name, TYPE, device, ControllerSpec.cpumask(p), SocketOptions.from(p),
                () -> Map.of("scsi", device.describeTargets()), params, () -> {
                    mine.remove(name);
                    device.close();
                }));
        mine.put(name, new Created(device, params));
        return true;
    }

    /** {@code vhost_scsi_controller_add_target}: returns the target number. */
    Object addTarget(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num", "bdev_name"));
        ScsiDevice device = device(p);
        int num = (int) p.integerIn("scsi_target_num", -1, VirtioScsi.MAX_TARGETS - 1);
        String bdev = p.string("bdev_name");
        try {
            return device.addTarget(num, bdev);
        } catch (BdevException e) {
            throw new MethodException(e.rpcCode(), p.method() + ": controller " + p.string("ctrlr") + ": "
                    + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw MethodException.exists(p.method() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw MethodException.invalidParams(p.method() + ": " + e.getMessage());
        }
    }

    /** {@code vhost_scsi_controller_remove_target}: returns true. */
    Object removeTarget(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num"));
        ScsiDevice device = device(p);
        int num = (int) p.integerIn("scsi_target_num", 0, VirtioScsi.MAX_TARGETS - 1);
        if (!device.removeTarget(num)) {
            throw MethodException.noDevice(p.method() + ": controller " + p.string("ctrlr") + " has no target " + num);
        }
        return true;
    }

    /** {@code vhost_scsi_controller_add_lun} (jvhost's own: SPDK's targets have LUN 0 only): returns true. */
    Object addLun(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num", "lun", "bdev_name"));
        ScsiDevice device = device(p);
        int num = (int) p.integerIn("scsi_target_num", 0, VirtioScsi.MAX_TARGETS - 1);
        int lun = (int) p.integerIn("lun", 1, ScsiTarget.MAX_LUN);
        try {
            device.addLun(num, lun, p.string("bdev_name"));
            return true;
        } catch (BdevException e) {
            throw new MethodException(e.rpcCode(), p.method() + ": controller " + p.string("ctrlr") + ": "
                    + e.getMessage(), e);
        } catch (java.util.NoSuchElementException e) {
            throw MethodException.noDevice(p.method() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw e.getMessage().contains("already holds") ? MethodException.exists(p.method() + ": " + e.getMessage())
                    : MethodException.invalidParams(p.method() + ": " + e.getMessage());
        } catch (IllegalStateException e) {
            throw MethodException.exists(p.method() + ": " + e.getMessage());
        }
    }

    /** {@code vhost_scsi_controller_remove_lun}: returns true. */
    Object removeLun(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num", "lun"));
        ScsiDevice device = device(p);
        int num = (int) p.integerIn("scsi_target_num", 0, VirtioScsi.MAX_TARGETS - 1);
        int lun = (int) p.integerIn("lun", 0, ScsiTarget.MAX_LUN);
        try {
            if (!device.removeLun(num, lun)) {
                throw MethodException.noDevice(p.method() + ": target " + num + " has no LUN " + lun);
            }
        } catch (java.util.NoSuchElementException e) {
            throw MethodException.noDevice(p.method() + ": " + e.getMessage());
        }
        return true;
    }

    private ScsiDevice device(Params p) {
        String name = p.string("ctrlr");
        Created c = mine.get(name);
        if (c == null) {
            throw MethodException.noDevice(p.method() + ": no vhost-scsi controller named " + name
                    + " (vhost_get_controllers lists them)");
        }
        return c.device();
    }

    @Override
    public String subsystem() {
        return "vhost_scsi";
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public List<Map<String, Object>> config() {
        List<Map<String, Object>> out = new ArrayList<>();
        List<Map.Entry<String, Created>> all;
        synchronized (mine) {
            all = new ArrayList<>(mine.entrySet());
        }
        for (Map.Entry<String, Created> e : all) {
            out.add(SubsystemConfig.call("vhost_create_scsi_controller", e.getValue().params()));
            controllers.find(e.getKey()).map(io.jvhost.vhostuser.VhostController::coalescingConfig).ifPresent(out::add);
            ScsiTarget[] t = e.getValue().device().targets();
            for (int i = 0; i < t.length; i++) {
                if (t[i] == null) {
                    continue;
                }
                for (ScsiTarget.LunInfo lun : t[i].luns()) {
                    Map<String, Object> params = new LinkedHashMap<>();
                    params.put("ctrlr", e.getKey());
                    params.put("scsi_target_num", i);
                    if (lun.lun() != 0) {
                        params.put("lun", lun.lun());
                    }
                    params.put("bdev_name", lun.bdev());
                    // luns() lists LUN 0 first, and a target without LUN 0 does not exist
                    out.add(SubsystemConfig.call(lun.lun() == 0 ? "vhost_scsi_controller_add_target" : "vhost_scsi_controller_add_lun",
                            params));
                }
            }
        }
        return out;
    }

    @Descriptor("Create a vhost-user-scsi controller with no targets; the socket is NAME in the socket directory")
    public String createScsi(@Descriptor("controller name") String name) {
        create(new Params("vhost:create-scsi", Map.of("ctrlr", name)));
        return "controller " + name + " listening on " + controllers.socketDirectory().resolve(name);
    }

    @Descriptor("Create a vhost-user-scsi controller whose queues run on the reactors of CPUMASK")
    public String createScsi(@Descriptor("controller name") String name,
            @Descriptor("cpumask, e.g. 0x1 or 0-1") String cpumask) {
        create(new Params("vhost:create-scsi", Map.of("ctrlr", name, "cpumask", cpumask)));
        return "controller " + name + " listening on " + controllers.socketDirectory().resolve(name);
    }

    @Descriptor("Attach a bdev as LUN 0 of a target of a vhost-scsi controller (a running guest sees a new disk)")
    public String scsiAddTarget(@Descriptor("controller name") String name,
            @Descriptor("target number 0-7, or -1 for the first free one") int target,
            @Descriptor("bdev name") String bdev) {
        Object num = addTarget(new Params("vhost:scsi-add-target", Map.of("ctrlr", name, "scsi_target_num", target,
                "bdev_name", bdev)));
        return "controller " + name + ": target " + num + " is bdev " + bdev;
    }

    @Descriptor("Attach a bdev as another LUN of a target of a vhost-scsi controller")
    public String scsiAddLun(@Descriptor("controller name") String name, @Descriptor("target number 0-7") int target,
            @Descriptor("LUN 1-255") int lun, @Descriptor("bdev name") String bdev) {
        addLun(new Params("vhost:scsi-add-lun", Map.of("ctrlr", name, "scsi_target_num", target, "lun", lun,
                "bdev_name", bdev)));
        return "controller " + name + ": target " + target + " LUN " + lun + " is bdev " + bdev;
    }

    @Descriptor("Detach a LUN of a target of a vhost-scsi controller after its commands finished (LUN 0: the target)")
    public String scsiRemoveLun(@Descriptor("controller name") String name, @Descriptor("target number 0-7") int target,
            @Descriptor("LUN 0-255") int lun) {
        removeLun(new Params("vhost:scsi-remove-lun", Map.of("ctrlr", name, "scsi_target_num", target, "lun", lun)));
        return "controller " + name + ": target " + target + " LUN " + lun + " removed";
    }

    @Descriptor("Detach a target of a vhost-scsi controller after its commands finished (a running guest loses the disk)")
    public String scsiRemoveTarget(@Descriptor("controller name") String name,
            @Descriptor("target number 0-7") int target) {
        removeTarget(new Params("vhost:scsi-remove-target", Map.of("ctrlr", name, "scsi_target_num", target)));
        return "controller " + name + ": target " + target + " removed";
    }
}
