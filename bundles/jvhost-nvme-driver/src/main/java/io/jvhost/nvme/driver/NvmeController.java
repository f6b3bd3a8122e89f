package io.jvhost.nvme.driver;

import java.util.List;

/** An attached NVMe controller. */
public interface NvmeController extends AutoCloseable {
    /**
     * Life of a controller: enabled; in a reset (also while a failed reset is tried again, I/O
     * waiting); failed (I/O fails until a reset succeeds or it is detached); detached.
     */
    enum State { ENABLED, RESETTING, FAILED, DETACHED }

    String name();

    PciAddress address();

    ControllerData data();

    /** Active namespaces, as found at attach. */
    List<NamespaceData> namespaces();

    /** Whether I/O queues use shadow doorbells (Doorbell Buffer Config). */
    boolean shadowDoorbells();

    /** Whether DMA uses physical addresses (VFIO no-IOMMU mode). */
    boolean noIommu();

    State state();

    /** Creates an I/O queue pair owned by the calling thread; throws when the controller has no queue left. */
    NvmeQueuePair createQueuePair();

    /**
     * Disables and re-enables the controller, recreating its queues; outstanding commands are
     * resubmitted. If that fails, the controller is tried again every reconnect delay until the
     * controller loss timeout ({@link AttachOptions}), then failed; either way this throws.
     */
    void reset();

    /** What the controller counted since it was attached (data commands: those of open queue pairs and closed ones). */
    ControllerCounters counters();

    /** Shuts the controller down (CC.SHN), unmaps its memory and releases the VFIO device. */
    @Override
    void close();
}
