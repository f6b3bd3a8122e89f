package io.jvhost.vhostscsi.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import io.jvhost.scsi.ScsiTarget;
import io.jvhost.scsi.ScsiTargetFactory;
import io.jvhost.vhostuser.OwnedControllers;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostControllers;
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

    private final ScsiTargetFactory targets;
    private final OwnedControllers<ScsiDevice> mine;
    private final BundleCommands commands;

    @Activate
    public ScsiControllers(BundleContext context, @Reference VhostControllers controllers,
            @Reference ScsiTargetFactory targets) {
        this.targets = targets;
        this.mine = new OwnedControllers<>(controllers, TYPE, "vhost_create_scsi_controller", ScsiDevice::close);
        this.commands = BundleCommands.register(context, "vhost", this, BundleCommands.gogo("create-scsi",
                "scsi-add-target", "scsi-remove-target", "scsi-add-lun", "scsi-remove-lun"),
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
    }

    @Deactivate
    void deactivate() {
        commands.close();
        mine.deleteAll();
    }

    /** {@code vhost_create_scsi_controller}: returns true as SPDK does. */
    Object create(Params p) {
        // rpc.py always sends delay (false): a controller here listens at once, there is no vhost_start_scsi_controller
        if (p.bool("delay", false)) {
            throw io.jvhost.config.MethodException.invalidParams(p.method() + ": controller " + p.string("ctrlr")
                    + ": delay=true is not supported (controllers start at once); leave it out or false");
        }
        p.allowOnly(CREATE_PARAMS, Set.of("delay"));
        ScsiDevice device = new ScsiDevice(p.string("ctrlr"), targets,
                (int) p.integer("num_queues", DEFAULT_QUEUES, 1, 254));
        mine.create(p, device, () -> Map.of("scsi", device.describeTargets()));
        return true;
    }

    /** {@code vhost_scsi_controller_add_target}: returns the target number. */
    Object addTarget(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num", "bdev_name"));
        ScsiDevice device = mine.device(p);
        int num = (int) p.integerIn("scsi_target_num", -1, VirtioScsi.MAX_TARGETS - 1);
        String bdev = p.string("bdev_name");
        try {
            return device.addTarget(num, bdev);
        } catch (BdevException e) {
            throw e.forMethod(p, "controller " + p.string("ctrlr"));
        } catch (IllegalStateException e) {
            throw MethodException.exists(p.method() + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw MethodException.invalidParams(p.method() + ": " + e.getMessage());
        }
    }

    /** {@code vhost_scsi_controller_remove_target}: returns true. */
    Object removeTarget(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num"));
        ScsiDevice device = mine.device(p);
        int num = (int) p.integerIn("scsi_target_num", 0, VirtioScsi.MAX_TARGETS - 1);
        if (!device.removeTarget(num)) {
            throw MethodException.noDevice(p.method() + ": controller " + p.string("ctrlr") + " has no target " + num);
        }
        return true;
    }

    /** {@code vhost_scsi_controller_add_lun} (jvhost's own: SPDK's targets have LUN 0 only): returns true. */
    Object addLun(Params p) {
        p.allowOnly(Set.of("ctrlr", "scsi_target_num", "lun", "bdev_name"));
        ScsiDevice device = mine.device(p);
        int num = (int) p.integerIn("scsi_target_num", 0, VirtioScsi.MAX_TARGETS - 1);
        int lun = (int) p.integerIn("lun", 1, ScsiTarget.MAX_LUN);
        try {
            device.addLun(num, lun, p.string("bdev_name"));
            return true;
        } catch (BdevException e) {
            throw e.forMethod(p, "controller " + p.string("ctrlr"));
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
        ScsiDevice device = mine.device(p);
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
        return mine.config(ScsiControllers::targetCalls);
    }

    /** add_target (LUN 0) and add_lun calls that rebuild a controller's targets. */
    private static void targetCalls(String controller, ScsiDevice device, List<Map<String, Object>> out) {
        ScsiTarget[] t = device.targets();
        for (int i = 0; i < t.length; i++) {
            if (t[i] == null) {
                continue;
            }
            for (ScsiTarget.LunInfo lun : t[i].luns()) {
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("ctrlr", controller);
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

    @Descriptor("Create a vhost-user-scsi controller with no targets; the socket is NAME in the socket directory")
    public String createScsi(@Descriptor("controller name") String name) {
        create(new Params("vhost:create-scsi", Map.of("ctrlr", name)));
        return mine.listening(name);
    }

    @Descriptor("Create a vhost-user-scsi controller whose queues run on the reactors of CPUMASK")
    public String createScsi(@Descriptor("controller name") String name,
            @Descriptor("cpumask, e.g. 0x1 or 0-1") String cpumask) {
        create(new Params("vhost:create-scsi", Map.of("ctrlr", name, "cpumask", cpumask)));
        return mine.listening(name);
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
