package io.jvhost.virtio;

import io.jvhost.posix.EventFd;

/**
 * The device side of a virtqueue, split or packed, as one reactor thread drives it: take requests,
 * return them, publish in batches, and suppress or enable notifications in both directions.
 */
public interface DeviceRing {
    /** {@link #next} result: nothing new is available. */
    int NONE = 1;

    /** Descriptors in the ring (the most requests in flight). */
    int size();

    /**
     * Takes the next available request into {@code chain}; {@code chain.head()} is then the id to
     * pass to {@link #pushUsed}. Returns {@link DescriptorChain#OK}, {@link #NONE}, or a negative
     * {@link DescriptorChain} error when the driver broke the ring.
     */
    int next(DescriptorChain chain);

    /** Returns request {@code id} with {@code writtenBytes}; visible to the driver after {@link #publishUsed()}. */
    void pushUsed(int id, int writtenBytes);

    /** True when used entries were pushed but not yet published. */
    boolean hasUnpublished();

    /** Publishes pushed entries and interrupts the driver unless it suppressed that; true when it signalled. */
    boolean publishUsed();

    /**
     * Publishes pushed entries without deciding on an interrupt yet (interrupt coalescing): a later
     * {@link #notifyIfNeeded()} decides for everything published since the last decision, so no
     * interrupt the driver asked for is lost, only delayed.
     */
    void publishUsedQuietly();

    /**
     * Decides on an interrupt for entries published since the last decision (after a full fence,
     * against the driver's suppression state) and sends it; true when it signalled.
     */
    boolean notifyIfNeeded();

    /** Asks the driver not to kick while the device polls. */
    void suppressKicks();

    /** Asks the driver to kick, then re-checks the ring; true when requests arrived meanwhile. */
    boolean enableKicksAndRecheck();

    boolean isPolling();

    /** Replaces the call eventfd; reactor thread only. */
    void setCall(EventFd call);

    /** Signals the driver once (after a reconnect, so it re-checks the ring). */
    void interrupt();

    /** The ring position as GET_VRING_BASE reports it (split: next avail index; packed: both indices and wrap bits). */
    int state();
}
