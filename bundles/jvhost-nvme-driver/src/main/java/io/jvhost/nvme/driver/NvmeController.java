package io.jvhost.nvme.driver;

import java.util.List;

/** An attached NVMe controller. */
public interface NvmeController extends AutoCloseable {
    /** Life of a controller: enabled, in a reset, failed (I/O fails until detached), detached. */
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

    /** Disables and re-enables the controller, recreating its queues; outstanding commands are resubmitted. */
    void reset();

    /** Counters: {timeouts, aborts sent, resets}. */
    long[] counters();

    /** Shuts the controller down (CC.SHN), unmaps its memory and releases the VFIO device. */
    @Override
    void close();
}
