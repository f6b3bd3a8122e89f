package io.jvhost.nvme.driver;

/**
 * How to attach a controller.
 *
 * @param noIommu use VFIO's no-IOMMU mode: the device sees physical addresses (needs root and a
 *        kernel with CONFIG_VFIO_NOIOMMU; unsafe against a misbehaving device, as the kernel says)
 * @param ioQueueEntries entries per I/O queue (capped by the controller's CAP.MQES)
 * @param ioTimeoutMillis an I/O command outstanding longer than this is aborted, and the controller
 *        reset if the abort does not end it within {@code adminTimeoutMillis}; 0 turns timeouts off
 * @param adminTimeoutMillis how long an admin command may take
 * @param shadowDoorbells use Doorbell Buffer Config when the controller offers it (fewer MMIO writes)
 */
public record AttachOptions(boolean noIommu, int ioQueueEntries, long ioTimeoutMillis, long adminTimeoutMillis,
        boolean shadowDoorbells) {
    public static final int DEFAULT_IO_QUEUE_ENTRIES = 256;

    public AttachOptions {
        if (ioQueueEntries < 2 || ioQueueEntries > 65536) {
            throw new IllegalArgumentException("io_queue_entries must be between 2 and 65536, not " + ioQueueEntries);
        }
        if (ioTimeoutMillis < 0 || adminTimeoutMillis < 1) {
            throw new IllegalArgumentException("timeouts must be positive (I/O timeout 0 turns it off)");
        }
    }

    /** Type-1 IOMMU, 256-entry queues, 30 s I/O timeout, 30 s admin timeout, shadow doorbells on. */
    public static AttachOptions defaults() {
        return new AttachOptions(false, DEFAULT_IO_QUEUE_ENTRIES, 30_000, 30_000, true);
    }
}
