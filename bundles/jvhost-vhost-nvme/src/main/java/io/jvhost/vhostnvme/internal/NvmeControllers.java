package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevException;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.GogoCommands;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.config.SubsystemConfig;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.ControllerSpec;
import io.jvhost.vhostuser.SocketOptions;
import io.jvhost.vhostuser.VhostController;
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

    private final VhostControllers controllers;
    private final BdevRegistry bdevs;
    private final ReactorGroup reactors;
    private final Map<String, Created> mine = Collections.synchronizedMap(new LinkedHashMap<>());
    private final MethodRegistrations methods;
    private final GogoCommands commands;
    /** Present while the shadow doorbell bundle runs; controllers look it up at each use. */
    private volatile DoorbellBufferHandler doorbells;

    private record Created(NvmeDevice device, Map<String, Object> params) {
    }

    @Activate
    public NvmeControllers(BundleContext context, @Reference VhostControllers controllers,
            @Reference BdevRegistry bdevs, @Reference ReactorGroup reactors) {
        this.controllers = controllers;
        this.bdevs = bdevs;
        this.reactors = reactors;
        this.methods = context == null ? null : MethodRegistrations.register(context,
                MethodRegistrations.method("vhost_create_nvme_controller",
                        "Create a vhost-user NVMe controller: {ctrlr, io_queues, cpumask?, socket_mode?, socket_owner?,"
                                + " socket_group?}", this::create),
                MethodRegistrations.method("vhost_nvme_controller_add_ns",
                        "Add a bdev as the controller's next namespace: {ctrlr, bdev_name}; returns the namespace id",
                        this::addNamespace));
        this.commands = context == null ? null : GogoCommands.register(context, "vhost", this, "create-nvme",
                "nvme-add-ns");
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
        if (methods != null) {
            methods.close();
            commands.close();
        }
        List<String> names;
        synchronized (mine) {
            names = List.copyOf(mine.keySet());
        }
        controllers.deleteAll(names);
    }

    /** {@code vhost_create_nvme_controller}: returns true as SPDK does. */
    public Object create(Params p) {
        p.allowOnly(CREATE_PARAMS);
        String name = p.string("ctrlr");
        int queues = (int) p.integerIn("io_queues", 1, 255);
        var mask = ControllerSpec.cpumask(p);
        NvmeDevice device = new NvmeDevice(name, bdevs, reactors, mask, queues, () -> doorbells);
        Map<String, Object> params = new LinkedHashMap<>(p.asMap());
        VhostController c = controllers.create(new ControllerSpec(name, TYPE, device, mask, SocketOptions.from(p),
                () -> Map.of("namespaces", describe(device)), params, () -> {
                    mine.remove(name);
                    device.close();
                }));
        device.attach(c);
        mine.put(name, new Created(device, params));
        return true;
    }

    /** {@code vhost_nvme_controller_add_ns}: returns the namespace id. */
    public Object addNamespace(Params p) {
        p.allowOnly(Set.of("ctrlr", "bdev_name"));
        String name = p.string("ctrlr");
        Created c = mine.get(name);
        if (c == null) {
            throw MethodException.noDevice(p.method() + ": no vhost-nvme controller named " + name);
        }
        try {
            return c.device().addNamespace(p.string("bdev_name"));
        } catch (BdevException e) {
            throw new MethodException(e.rpcCode(), p.method() + ": controller " + name + ": " + e.getMessage(), e);
        }
    }

    private static List<Map<String, Object>> describe(NvmeDevice device) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Namespace ns : device.namespaces()) {
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
        List<Map<String, Object>> out = new ArrayList<>();
        List<Map.Entry<String, Created>> all;
        synchronized (mine) {
            all = new ArrayList<>(mine.entrySet());
        }
        for (Map.Entry<String, Created> e : all) {
            out.add(SubsystemConfig.call("vhost_create_nvme_controller", e.getValue().params()));
            controllers.find(e.getKey()).map(VhostController::coalescingConfig).ifPresent(out::add);
            for (Namespace ns : e.getValue().device().namespaces()) {
                Map<String, Object> params = new LinkedHashMap<>();
                params.put("ctrlr", e.getKey());
                params.put("bdev_name", ns.bdev.name());
                out.add(SubsystemConfig.call("vhost_nvme_controller_add_ns", params));
            }
        }
        return out;
    }

    @Descriptor("Create a vhost-user NVMe controller with IO_QUEUES I/O queue pairs")
    public String createNvme(@Descriptor("controller name") String name, @Descriptor("I/O queues, 1-255") int queues) {
        create(new Params("vhost:create-nvme", Map.of("ctrlr", name, "io_queues", queues)));
        return "controller " + name + " listening on " + controllers.socketDirectory().resolve(name);
    }

    @Descriptor("Add a bdev as the next namespace of a vhost-user NVMe controller")
    public String nvmeAddNs(@Descriptor("controller name") String name, @Descriptor("bdev name") String bdev) {
        Object nsid = addNamespace(new Params("vhost:nvme-add-ns", Map.of("ctrlr", name, "bdev_name", bdev)));
        return "controller " + name + ": namespace " + nsid + " is bdev " + bdev;
    }
}
