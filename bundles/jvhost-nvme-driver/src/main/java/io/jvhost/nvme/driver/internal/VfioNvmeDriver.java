package io.jvhost.nvme.driver.internal;

import io.jvhost.memory.MemoryListener;
import io.jvhost.nvme.driver.AttachOptions;
import io.jvhost.nvme.driver.NvmeController;
import io.jvhost.nvme.driver.NvmeDriver;
import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.nvme.driver.PciAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The driver service; controllers still attached when the bundle stops are shut down cleanly. As a
 * {@link MemoryListener} it maps registered memory (vhost guest memory, bdevperf buffers) into every
 * controller's IOMMU, present and future, so that I/O on it needs no copy.
 */
@Component(service = {NvmeDriver.class, MemoryListener.class})
public final class VfioNvmeDriver implements NvmeDriver, MemoryListener {
    private final List<NvmeController> attached = new CopyOnWriteArrayList<>();
    private final List<java.lang.foreign.MemorySegment> registered = new java.util.ArrayList<>();

    @Override
    public synchronized NvmeController attach(String name, PciAddress address, AttachOptions options) {
        for (NvmeController c : attached) {
            if (c.address().equals(address)) {
                throw new NvmeDriverException(address + " is already attached as " + c.name());
            }
        }
        PcieController c = PcieController.attach(name, address, options, attached::remove);
        synchronized (registered) {
            for (java.lang.foreign.MemorySegment m : registered) {
                mapQuietly(c, m);
            }
            attached.add(c);
        }
        return c;
    }

    @Override
    public void memoryRegistered(java.lang.foreign.MemorySegment memory) {
        synchronized (registered) {
            registered.add(memory);
            for (NvmeController c : attached) {
                mapQuietly((PcieController) c, memory);
            }
        }
    }

    @Override
    public void memoryUnregistering(java.lang.foreign.MemorySegment memory) {
        synchronized (registered) {
            registered.removeIf(m -> m == memory);
            for (NvmeController c : attached) {
                ((PcieController) c).registeredMemory().unmap(memory);
            }
        }
    }

    /** A mapping the IOMMU refuses only costs a copy per I/O on that memory. */
    private static void mapQuietly(PcieController c, java.lang.foreign.MemorySegment m) {
        try {
            c.registeredMemory().map(m);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(VfioNvmeDriver.class).warn("nvme {}: cannot map {} bytes of registered "
                    + "memory for DMA ({}); I/O on it is copied", c.name(), m.byteSize(), e.getMessage());
        }
    }

    @Override
    public List<NvmeController> controllers() {
        return List.copyOf(attached);
    }

    @Deactivate
    void deactivate() {
        for (NvmeController c : attached) {
            c.close();
        }
    }
}
