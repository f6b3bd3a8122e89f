package io.jvhost.nvme.driver;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/** The user-space NVMe driver service: attaches PCIe controllers bound to vfio-pci. */
@ProviderType
public interface NvmeDriver {
    /**
     * Attaches the controller at {@code address}: VFIO set-up, controller reset and enable, admin
     * queue, Identify. Fails with a message naming the cause and leaves nothing half-attached.
     */
    NvmeController attach(String name, PciAddress address, AttachOptions options);

    /** Controllers attached through this driver and not yet closed. */
    List<NvmeController> controllers();
}
