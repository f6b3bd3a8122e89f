package io.jvhost.vhostuser;

import org.osgi.annotation.versioning.ProviderType;

/** What the back-end offers a running queue. Reactor thread only. */
@ProviderType
public interface QueueContext {
    /** Queue index within the device. */
    int index();

    /** Number of descriptors in the ring (the most requests that can be in flight). */
    int size();

    /** Returns a request to the driver with {@code writtenBytes} bytes written into its buffers. */
    void complete(int head, int writtenBytes);

    /**
     * For a queue that {@linkplain DeviceQueue#pullsRequests() pulls requests}: the next available
     * request, or null when there is none or the ring is broken. The chain is reused by the next call;
     * complete the request through {@link #complete} as any other.
     */
    io.jvhost.virtio.DescriptorChain takeRequest();

    /** The controller's name, for logs. */
    String controller();
}
