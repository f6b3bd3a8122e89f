package io.jvhost.bdev.nvme.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.spi.BdevSpec;
import io.jvhost.bdev.spi.ModuleBdevs;
import io.jvhost.config.BundleCommands;
import io.jvhost.config.MethodException;
import io.jvhost.config.MethodRegistrations;
import io.jvhost.config.Params;
import io.jvhost.nvme.driver.AttachOptions;
import io.jvhost.nvme.driver.ControllerCounters;
import io.jvhost.nvme.driver.ControllerData;
import io.jvhost.nvme.driver.NamespaceData;
import io.jvhost.nvme.driver.NvmeController;
import io.jvhost.nvme.driver.NvmeDriver;
import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.nvme.driver.PciAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nvme bdev module: {@code bdev_nvme_attach_controller} attaches a PCIe controller through the
 * user-space driver and makes one bdev per active namespace ({@code Nvme0n1}, ...);
 * {@code bdev_nvme_detach_controller} hot-removes them and releases the controller.
 */
@Component(service = NvmeModule.class, immediate = true)
public final class NvmeModule {
    private static final Logger LOG = LoggerFactory.getLogger(NvmeModule.class);
    private static final Set<String> ATTACH_PARAMS = Set.of("name", "trtype", "traddr", "no_iommu", "io_queue_entries",
            "timeout_us", "admin_timeout_ms", "shadow_doorbells", "ctrlr_loss_timeout_sec", "reconnect_delay_sec");
    private final BdevRegistry registry;
    private final NvmeDriver driver;
    private final ModuleBdevs bdevs;
    private final BundleCommands commands;
    private final Map<String, AttachedController> controllers = new ConcurrentHashMap<>();

    @Activate
    public NvmeModule(BundleContext context, @Reference BdevRegistry registry, @Reference NvmeDriver driver) {
        this.registry = registry;
        this.driver = driver;
        this.bdevs = new ModuleBdevs(registry, "nvme", "Nvme");
        this.commands = BundleCommands.register(context, "bdev", this, BundleCommands.gogo("nvme-attach", "nvme-detach",
                "nvme-controllers", "nvme-reset"),
                MethodRegistrations.method("bdev_nvme_attach_controller",
                        "Attach a PCIe NVMe controller bound to vfio-pci; one bdev per namespace: {name, trtype: \"pcie\", "
                                + "traddr, no_iommu?, io_queue_entries?, timeout_us?, admin_timeout_ms?, shadow_doorbells?, "
                                + "ctrlr_loss_timeout_sec? (-1: retry a failed reset forever, 0: fail at once), "
                                + "reconnect_delay_sec?}",
                        this::attach),
                MethodRegistrations.method("bdev_nvme_detach_controller",
                        "Detach a controller, hot-removing its bdevs: {name}", this::detach),
                MethodRegistrations.method("bdev_nvme_get_controllers", "List attached NVMe controllers: {name?}",
                        this::list),
                MethodRegistrations.method("bdev_nvme_reset_controller",
                        "Reset a controller (outstanding I/O is resubmitted): {name}", this::reset));
    }

    @Deactivate
    void deactivate() {
        commands.close();
        bdevs.removeAll();
        for (AttachedController c : controllers.values()) {
            c.controller().close();
        }
        controllers.clear();
    }

    Object attach(Params p) {
        p.allowOnly(ATTACH_PARAMS);
        String name = p.string("name");
        String trtype = p.string("trtype");
        if (!trtype.equalsIgnoreCase("pcie")) {
            throw MethodException.invalidParams("bdev_nvme_attach_controller " + name + ": trtype " + trtype
                    + " is not supported; jvhost attaches \"pcie\" controllers");
        }
        PciAddress address;
        try {
            address = PciAddress.parse(p.string("traddr"));
        } catch (IllegalArgumentException e) {
            throw MethodException.invalidParams("bdev_nvme_attach_controller " + name + ": " + e.getMessage());
        }
        AttachOptions defaults = AttachOptions.defaults();
        AttachOptions options;
        try {
            long lossSeconds = p.integer("ctrlr_loss_timeout_sec", 0, -1, 86_400);
            options = new AttachOptions(p.bool("no_iommu", false),
                    (int) p.integer("io_queue_entries", defaults.ioQueueEntries(), 2, 65536),
                    p.integer("timeout_us", defaults.ioTimeoutMillis() * 1000, 0, Long.MAX_VALUE / 1000) / 1000,
                    p.integer("admin_timeout_ms", defaults.adminTimeoutMillis(), 1, 3_600_000),
                    p.bool("shadow_doorbells", true), lossSeconds < 0 ? -1 : lossSeconds * 1000,
                    p.integer("reconnect_delay_sec", 0, 0, 86_400) * 1000);
        } catch (IllegalArgumentException e) {
            throw MethodException.invalidParams("bdev_nvme_attach_controller " + name + ": " + e.getMessage());
        }
        if (controllers.containsKey(name)) {
            throw MethodException.exists("NVMe controller " + name + " already exists; choose another name");
        }
        NvmeController c;
        try {
            c = driver.attach(name, address, options);
        } catch (NvmeDriverException e) {
            throw MethodException.noDevice("bdev_nvme_attach_controller " + name + ": " + e.getMessage());
        }
        List<String> names = new ArrayList<>();
        for (NamespaceData ns : c.namespaces()) {
            names.add(name + "n" + ns.id());
        }
        for (String n : names) {
            if (registry.find(n).isPresent()) {
                c.close();
                throw MethodException.exists("bdev " + n + " already exists; choose another controller name");
            }
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("name", name);
        config.put("trtype", "pcie");
        config.put("traddr", address.toString());
        if (options.noIommu()) {
            config.put("no_iommu", true);
        }
        config.put("io_queue_entries", options.ioQueueEntries());
        config.put("timeout_us", options.ioTimeoutMillis() * 1000);
        config.put("admin_timeout_ms", options.adminTimeoutMillis());
        config.put("shadow_doorbells", options.shadowDoorbells());
        if (options.reconnects()) {
            config.put("ctrlr_loss_timeout_sec", options.ctrlrLossTimeoutMillis() < 0 ? -1
                    : options.ctrlrLossTimeoutMillis() / 1000);
            config.put("reconnect_delay_sec", options.reconnectDelayMillis() / 1000);
        }
        AttachedController attached = new AttachedController(c, config, names);
        controllers.put(name, attached);
        ControllerData d = c.data();
        Set<IoType> types = EnumSet.of(IoType.READ, IoType.WRITE, IoType.FLUSH);
        if ((d.oncs() & io.jvhost.nvme.Identify.ONCS_DATASET_MANAGEMENT) != 0) {
            types.add(IoType.UNMAP);
        }
        if ((d.oncs() & io.jvhost.nvme.Identify.ONCS_WRITE_ZEROES) != 0) {
            types.add(IoType.WRITE_ZEROES);
        }
        List<String> created = new ArrayList<>();
        try {
            for (NamespaceData ns : c.namespaces()) {
                String bdevName = name + "n" + ns.id();
                bdevs.create(new BdevSpec(bdevName, ns.guid(), "nvme", d.model().isEmpty() ? "NVMe disk" : d.model(),
                        ns.blockSize(), ns.blockCount(), 0, types, config),
                        new NvmeNamespaceBackend(attached, ns.id(), ns.blockSize()));
                created.add(bdevName);
            }
        } catch (RuntimeException e) {
            created.forEach(bdevs::delete);
            controllers.remove(name);
            c.close();
            throw e;
        }
        if (c.namespaces().isEmpty()) {
            LOG.warn("nvme {}: the controller has no active namespace; no bdevs", name);
        }
        return names;
    }

    Object detach(Params p) {
        p.allowOnly(Set.of("name"));
        String name = p.string("name");
        AttachedController c = controller(name);
        controllers.remove(name);
        for (String b : c.bdevNames()) {
            if (bdevs.names().contains(b)) {
                bdevs.delete(b);
            }
        }
        // the last bdev's destruction closed it; a controller without namespaces is closed here
        c.controller().close();
        return true;
    }

    Object reset(Params p) {
        p.allowOnly(Set.of("name"));
        String name = p.string("name");
        AttachedController c = controller(name);
        try {
            c.controller().reset();
        } catch (NvmeDriverException e) {
            throw new MethodException(MethodException.EINVAL, e.getMessage());
        }
        return true;
    }

    private AttachedController controller(String name) {
        AttachedController c = controllers.get(name);
        if (c == null) {
            throw MethodException.noDevice("no NVMe controller named " + name + "; bdev_nvme_get_controllers lists them");
        }
        return c;
    }

    Object list(Params p) {
        p.allowOnly(Set.of("name"));
        String only = p.string("name", null);
        if (only != null) {
            controller(only);
        }
        List<Object> out = new ArrayList<>();
        for (var e : new java.util.TreeMap<>(controllers).entrySet()) {
            if (only != null && !only.equals(e.getKey())) {
                continue;
            }
            out.add(describe(e.getKey(), e.getValue().controller()));
        }
        return out;
    }

    private static Map<String, Object> describe(String name, NvmeController c) {
        ControllerData d = c.data();
        Map<String, Object> trid = new LinkedHashMap<>();
        trid.put("trtype", "PCIe");
        trid.put("traddr", c.address().toString());
        Map<String, Object> ctrlr = new LinkedHashMap<>();
        ctrlr.put("state", c.state().name().toLowerCase(Locale.ROOT));
        ctrlr.put("trid", trid);
        ctrlr.put("vendor_id", String.format(Locale.ROOT, "0x%04x", d.vendorId()));
        ctrlr.put("serial_number", d.serial());
        ctrlr.put("model_number", d.model());
        ctrlr.put("firmware_revision", d.firmware());
        ctrlr.put("nvme_version", d.version());
        ctrlr.put("subnqn", d.subsystemNqn());
        ctrlr.put("max_transfer_bytes", d.maxTransferBytes());
        ctrlr.put("max_queue_entries", d.maxQueueEntries());
        ctrlr.put("volatile_write_cache", d.volatileWriteCache());
        ctrlr.put("shadow_doorbells", c.shadowDoorbells());
        ctrlr.put("iommu", !c.noIommu());
        List<Object> nss = new ArrayList<>();
        for (NamespaceData ns : c.namespaces()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("nsid", ns.id());
            m.put("bdev", name + "n" + ns.id());
            m.put("block_size", ns.blockSize());
            m.put("num_blocks", ns.blockCount());
            nss.add(m);
        }
        ctrlr.put("namespaces", nss);
        ControllerCounters counters = c.counters();
        ctrlr.put("timeouts", counters.timeouts());
        ctrlr.put("aborts", counters.aborts());
        ctrlr.put("resets", counters.resets());
        ctrlr.put("failed_resets", counters.failedResets());
        ctrlr.put("direct_commands", counters.directCommands());
        ctrlr.put("copied_commands", counters.copiedCommands());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("ctrlrs", List.of(ctrlr));
        return out;
    }

    @Descriptor("Attach a PCIe NVMe controller bound to vfio-pci; prints the bdevs made from its namespaces")
    public String nvmeAttach(@Descriptor("controller name, e.g. Nvme0") String name,
            @Descriptor("PCI address, e.g. 0000:00:04.0") String traddr) {
        return nvmeAttach(name, traddr, "iommu");
    }

    @Descriptor("Attach a controller through the IOMMU, or in VFIO's no-IOMMU mode (physical addresses; needs root)")
    public String nvmeAttach(@Descriptor("controller name, e.g. Nvme0") String name,
            @Descriptor("PCI address, e.g. 0000:00:04.0") String traddr,
            @Descriptor("iommu or no-iommu") String mode) {
        if (!mode.equals("iommu") && !mode.equals("no-iommu")) {
            throw new IllegalArgumentException("mode must be iommu or no-iommu, not " + mode);
        }
        return String.join(" ", castList(attach(new Params("bdev:nvme-attach",
                Map.of("name", name, "trtype", "pcie", "traddr", traddr, "no_iommu", mode.equals("no-iommu"))))));
    }

    @Descriptor("Detach an NVMe controller, hot-removing its bdevs")
    public String nvmeDetach(@Descriptor("controller name") String name) {
        detach(new Params("bdev:nvme-detach", Map.of("name", name)));
        return name + " detached";
    }

    @Descriptor("Reset an NVMe controller")
    public String nvmeReset(@Descriptor("controller name") String name) {
        reset(new Params("bdev:nvme-reset", Map.of("name", name)));
        return name + " reset";
    }

    @Descriptor("List attached NVMe controllers with their Identify data and namespaces")
    public String nvmeControllers() {
        return io.jvhost.config.Json.write(list(new Params("bdev:nvme-controllers", Map.of())));
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }
}
