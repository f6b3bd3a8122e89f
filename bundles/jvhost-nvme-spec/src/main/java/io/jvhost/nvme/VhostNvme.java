package io.jvhost.nvme;

/**
 * The vhost-user messages of an NVMe controller served over vhost-user (the reference target's
 * extension; QEMU's side was never merged upstream): the hypervisor emulates BAR0 and the admin
 * queue, forwards admin commands, relays doorbell writes and hands over interrupt eventfds.
 */
public final class VhostNvme {
    /** 64-byte command in; 16-byte completion out, followed by the command's data (Identify, log pages). */
    public static final int ADMIN = 80;
    /** u64 completion queue id (bit 8: no fd) with the queue's interrupt eventfd. */
    public static final int SET_CQ_CALL = 81;
    /** Reply: u64 CAP register. */
    public static final int GET_CAP = 82;
    /** u64 1 (controller enabled) or 0 (disabled: every I/O queue deleted). */
    public static final int START_STOP = 83;
    /** {u32 1 SQ / 2 CQ, u32 queue id, u32 tail or head}: a doorbell write the hypervisor trapped. */
    public static final int IO_CMD = 84;
    /** One memory region with its fd: the BAR page whose doorbells the controller polls. */
    public static final int SET_BAR_MR = 85;
    /** Doorbell types of {@link #IO_CMD}. */
    public static final int DOORBELL_SQ = 1, DOORBELL_CQ = 2;

    private VhostNvme() {
    }
}
