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

    /** The front-end disconnected or reset the device; every queue was closed before. */
    default void sessionEnded() {
    }
}
