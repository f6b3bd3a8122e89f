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
 * @param ctrlrLossTimeoutMillis how long a controller whose reset failed is tried again before it is
 *        given up as failed (SPDK's ctrlr_loss_timeout_sec): 0 gives up at once, -1 never; while it is
 *        tried, I/O waits instead of failing
 * @param reconnectDelayMillis the pause between two attempts to reset the controller again
 */
public record AttachOptions(boolean noIommu, int ioQueueEntries, long ioTimeoutMillis, long adminTimeoutMillis,
        boolean shadowDoorbells, long ctrlrLossTimeoutMillis, long reconnectDelayMillis) {
    public static final int DEFAULT_IO_QUEUE_ENTRIES = 256;

    public AttachOptions {
        if (ioQueueEntries < 2 || ioQueueEntries > 65536) {
            throw new IllegalArgumentException("io_queue_entries must be between 2 and 65536, not " + ioQueueEntries);
        }
        if (ioTimeoutMillis < 0 || adminTimeoutMillis < 1) {
            throw new IllegalArgumentException("timeouts must be positive (I/O timeout 0 turns it off)");
        }
        if (ctrlrLossTimeoutMillis < -1) {
            throw new IllegalArgumentException("the controller loss timeout must be -1 (never give up), 0 (give up at "
                    + "once) or positive, not " + ctrlrLossTimeoutMillis);
        }
        if (ctrlrLossTimeoutMillis != 0 && reconnectDelayMillis <= 0) {
            throw new IllegalArgumentException("a controller loss timeout needs a positive reconnect delay");
        }
        if (ctrlrLossTimeoutMillis > 0 && reconnectDelayMillis > ctrlrLossTimeoutMillis) {
            throw new IllegalArgumentException("the reconnect delay (" + reconnectDelayMillis + " ms) must not exceed "
                    + "the controller loss timeout (" + ctrlrLossTimeoutMillis + " ms)");
        }
    }

    /** The options without reconnecting: a controller whose reset fails is failed at once. */
    public AttachOptions(boolean noIommu, int ioQueueEntries, long ioTimeoutMillis, long adminTimeoutMillis,
            boolean shadowDoorbells) {
        this(noIommu, ioQueueEntries, ioTimeoutMillis, adminTimeoutMillis, shadowDoorbells, 0, 0);
    }

    /** Type-1 IOMMU, 256-entry queues, 30 s I/O timeout, 30 s admin timeout, shadow doorbells on, no reconnect. */
    public static AttachOptions defaults() {
        return new AttachOptions(false, DEFAULT_IO_QUEUE_ENTRIES, 30_000, 30_000, true, 0, 0);
    }

    /** Whether a failed reset is tried again. */
    public boolean reconnects() {
        return ctrlrLossTimeoutMillis != 0;
    }
}
