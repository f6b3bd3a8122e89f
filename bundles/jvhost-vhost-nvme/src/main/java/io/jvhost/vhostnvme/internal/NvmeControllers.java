package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.ControllerSpec;
import io.jvhost.vhostuser.OwnedControllers;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostControllers;
import java.util.ArrayList;
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
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import io.jvhost.vhostnvme.spi.DoorbellBufferHandler;

/**
 * Creates NVMe controllers served over vhost-user: SPDK's {@code vhost_create_nvme_controller} and
 * {@code vhost_nvme_controller_add_ns}, Gogo {@code vhost:create-nvme} and {@code vhost:nvme-add-ns}.
 */
@Component(service = {NvmeControllers.class, SubsystemConfig.class}, immediate = true)
public final class NvmeControllers implements SubsystemConfig {
    static final String TYPE = "vhost_user_nvme";
    private static final Set<String> CREATE_PARAMS;

    static {
        Set<String> s = new HashSet<>(Set.of("ctrlr", "io_queues", "cpumask"));
        s.addAll(SocketOptions.PARAMS);
        CREATE_PARAMS = Set.copyOf(s);
    }

    private final BdevRegistry bdevs;
    private final ReactorGroup reactors;
    private final OwnedControllers<NvmeDevice> mine;
    private final BundleCommands commands;
    /** Present while the shadow doorbell bundle runs; controllers look it up at each use. */
    private volatile DoorbellBufferHandler doorbells;

    @Activate
    public NvmeControllers(BundleContext context, @Reference VhostControllers controllers,
            @Reference BdevRegistry bdevs, @Reference ReactorGroup reactors) {
        this.bdevs = bdevs;
        this.reactors = reactors;
        this.mine = new OwnedControllers<>(controllers, TYPE, "vhost_create_nvme_controller", NvmeDevice::close);
        this.commands = BundleCommands.register(context, "vhost", this, BundleCommands.gogo("create-nvme", "nvme-add-ns"),
                MethodRegistrations.method("vhost_create_nvme_controller",
                        "Create a vhost-user NVMe controller: {ctrlr, io_queues, cpumask?, socket_mode?, socket_owner?,"
                                + " socket_group?}", this::create),
                MethodRegistrations.method("vhost_nvme_controller_add_ns",
                        "Add a bdev as the controller's next namespace: {ctrlr, bdev_name}; returns the namespace id",
                        this::addNamespace));
    }

    /** The shadow doorbell bundle started: controllers offer Doorbell Buffer Config from now on. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    public void bindDoorbells(DoorbellBufferHandler handler) {
        doorbells = handler;
    }

    /** It stopped: new Doorbell Buffer Config commands are refused; queues already bound keep their pages. */
    public void unbindDoorbells(DoorbellBufferHandler handler) {
        if (doorbells == handler) {
            doorbells = null;
        }
    }

    @Deactivate
    void deactivate() {
        commands.close();
        mine.deleteAll();
    }

    /** {@code vhost_create_nvme_controller}: returns true as SPDK does. */
    public Object create(Params p) {
        p.allowOnly(CREATE_PARAMS);
        NvmeDevice device = new NvmeDevice(p.string("ctrlr"), bdevs, reactors, ControllerSpec.cpumask(p),
                (int) p.integerIn("io_queues", 1, 255), () -> doorbells);
        device.attach(mine.create(p, device, () -> Map.of("namespaces", describe(device))));
        return true;
    }

    /** {@code vhost_nvme_controller_add_ns}: returns the namespace id. */
    public Object addNamespace(Params p) {
        p.allowOnly(Set.of("ctrlr", "bdev_name"));
        NvmeDevice device = mine.device(p);
        try {
            return device.namespaces.add(p.string("bdev_name"));
        } catch (BdevException e) {
            throw e.forMethod(p, "controller " + p.string("ctrlr"));
        }
    }

    private static List<Map<String, Object>> describe(NvmeDevice device) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Namespace ns : device.namespaces.list()) {
            out.add(Map.of("nsid", ns.nsid, "bdev", ns.bdev.name()));
        }
        return out;
    }

    @Override
    public String subsystem() {
        return "vhost_nvme";
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public List<Map<String, Object>> config() {
        return mine.config((name, device, out) -> {
            for (Namespace ns : device.namespaces.list()) {
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("ctrlr", name);
                params.put("bdev_name", ns.bdev.name());
                out.add(SubsystemConfig.call("vhost_nvme_controller_add_ns", params));
            }
        });
    }

    @Descriptor("Create a vhost-user NVMe controller with IO_QUEUES I/O queue pairs")
    public String createNvme(@Descriptor("controller name") String name, @Descriptor("I/O queues, 1-255") int queues) {
        create(new Params("vhost:create-nvme", Map.of("ctrlr", name, "io_queues", queues)));
        return mine.listening(name);
    }

    @Descriptor("Add a bdev as the next namespace of a vhost-user NVMe controller")
    public String nvmeAddNs(@Descriptor("controller name") String name, @Descriptor("bdev name") String bdev) {
        Object nsid = addNamespace(new Params("vhost:nvme-add-ns", Map.of("ctrlr", name, "bdev_name", bdev)));
        return "controller " + name + ": namespace " + nsid + " is bdev " + bdev;
    }
}
