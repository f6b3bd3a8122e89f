package io.jvhost.bdev.nvme.internal;

import io.jvhost.bdev.spi.BdevBackend;
import io.jvhost.bdev.spi.ModuleChannel;
import io.jvhost.nvme.driver.ControllerData;
import io.jvhost.nvme.driver.NvmeController;
import io.jvhost.reactor.Reactor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One namespace as a bdev: channels over the controller's per-reactor queue pairs. */
final class NvmeNamespaceBackend implements BdevBackend {
    private final AttachedController controller;
    private final int nsid;
    private final int blockSize;

    NvmeNamespaceBackend(AttachedController controller, int nsid, int blockSize) {
        this.controller = controller;
        this.nsid = nsid;
        this.blockSize = blockSize;
    }

    @Override
    public ModuleChannel createChannel(Reactor reactor) {
        return new NvmeChannel(controller.queues().lease(reactor), nsid, blockSize);
    }

    @Override
    public void destroy() {
        controller.namespaceGone(nsid);
    }

    /** The controller is recreated by one attach call: only its first namespace carries it into save_config. */
    @Override
    public String createMethod() {
        return controller.firstNamespace() == nsid ? "bdev_nvme_attach_controller" : null;
    }

    /** SPDK's bdev_nvme shape: one path (PCIe), its controller's identity, the namespace. */
    @Override
    public Map<String, Object> driverSpecific() {
        NvmeController c = controller.controller();
        ControllerData d = c.data();
        Map<String, Object> trid = new LinkedHashMap<>();
        trid.put("trtype", "PCIe");
        trid.put("traddr", c.address().toString());
        Map<String, Object> ctrlrData = new LinkedHashMap<>();
        ctrlrData.put("vendor_id", String.format(Locale.ROOT, "0x%04x", d.vendorId()));
        ctrlrData.put("model_number", d.model());
        ctrlrData.put("serial_number", d.serial());
        ctrlrData.put("firmware_revision", d.firmware());
        ctrlrData.put("subnqn", d.subsystemNqn());
        ctrlrData.put("multi_ctrlr", false);
        ctrlrData.put("ana_reporting", false);
        Map<String, Object> path = new LinkedHashMap<>();
        path.put("pci_address", c.address().toString());
        path.put("trid", trid);
        path.put("ctrlr_data", ctrlrData);
        path.put("vs", Map.of("nvme_version", d.version()));
        path.put("ns_data", Map.of("id", nsid, "can_share", false));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nvme", List.of(path));
        m.put("mp_policy", "active_passive");
        return m;
    }
}
