package io.jvhost.vhostuser;

import io.jvhost.reactor.Reactor;
import org.osgi.annotation.versioning.ConsumerType;

/** A device type's side of one controller: what it offers and how its queues handle requests. */
@ConsumerType
public interface VhostUserDevice {
    /** The virtio device feature bits it offers (transport bits are added by the back-end). */
    long deviceFeatures();

    /** The most queues it serves (answer to GET_QUEUE_NUM). */
    int maxQueues();

    /**
     * Whether several front-ends may drive this device at once, each with its own session, memory and
     * rings (a disk shared by several VMs, as SPDK's vhost-blk allows). Devices whose state belongs to
     * one driver (SCSI unit attentions and reservations per initiator, an NVMe controller's registers
     * and queues) say no, and their controllers take one front-end at a time.
     */
    default boolean servesSeveralFrontEnds() {
        return false;
    }

    /** Whether to offer packed virtqueues. */
    default boolean offersPackedRing() {
        return false;
    }

    /**
     * Whether front-ends read config space from the back-end (VHOST_USER_PROTOCOL_F_CONFIG). Devices
     * whose config space the hypervisor builds itself (QEMU's vhost-user-scsi) say no, so the
     * feature is not offered.
     */
    default boolean servesConfigSpace() {
        return true;
    }

    /** Fills {@code out} with config space bytes from {@code offset} (zeroes beyond the device's layout). */
    void readConfig(int offset, byte[] out);

    /** The front-end wrote config space; throw IllegalArgumentException to refuse. */
    default void writeConfig(int offset, byte[] data) {
        throw new IllegalArgumentException("config space is read-only");
    }

    /** Called with the features the driver accepted, before any queue starts. */
    default void featuresNegotiated(long features) {
    }

    /** Opens queue {@code index}; called on {@code reactor}'s thread, which runs the queue from now on. */
    DeviceQueue openQueue(int index, QueueContext context, Reactor reactor);

    /**
     * Whether {@code request} is a message of this device type beyond the standard set (vhost-nvme's
     * 80-85); such messages go to {@link #deviceMessage}.
     */
    default boolean handlesMessage(int request) {
        return false;
    }

    /**
     * A device-type message, on the session thread. Returns the reply payload, or null when the message
     * has none. Descriptors the device keeps it takes with {@link io.jvhost.posix.Fd#release()}; the
     * rest are closed after this returns. Throw IllegalArgumentException to refuse the message (the
     * front-end gets a failure reply when it asked for one).
     */
    default byte[] deviceMessage(int request, java.lang.foreign.MemorySegment payload,
            java.util.List<io.jvhost.posix.Fd> fds) {
        throw new IllegalArgumentException("message " + request + " is not supported by this device");
    }

    /**
     * A guest memory map is in place (after SET_MEM_TABLE, ADD_MEM_REG or REM_MEM_REG). Devices that
     * read guest memory outside virtqueues (NVMe queues, shadow doorbells) use it until
     * {@link #memoryReleasing()}.
     */
    default void memoryMapped(io.jvhost.memory.GuestMemory memory) {
    }

    /** The current map is about to be unmapped: stop every access to it before returning. */
    default void memoryReleasing() {
    }

    /** The front-end disconnected or reset the device; every queue was closed before. */
    default void sessionEnded() {
    }
}
