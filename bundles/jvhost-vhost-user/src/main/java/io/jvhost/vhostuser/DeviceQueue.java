package io.jvhost.vhostuser;

import io.jvhost.virtio.DescriptorChain;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A device's handler for one running virtqueue, used only on its reactor thread. The back-end
 * hands it each request's descriptor chain; the device completes each request exactly once through
 * {@link QueueContext#complete}.
 */
@ConsumerType
public interface DeviceQueue {
    /**
     * A new request. {@code chain} is reused after this returns: take its buffer list over with
     * {@link io.jvhost.virtio.DescriptorChain#takeList} or copy out what is needed (segments stay
     * valid until completion, since memory is unmapped only after the queue stopped).
     */
    void request(DescriptorChain chain);

    /**
     * True for a queue whose buffers the device takes only when it has something to put in them
     * (e.g. virtio-scsi's event queue): the back-end then never takes requests for it, and the device
     * calls {@link QueueContext#takeRequest()} itself. Buffers not taken stay in the ring, so a
     * stopped queue hands them back through its base index.
     */
    default boolean pullsRequests() {
        return false;
    }

    /** Device polling beyond requests (e.g. completions that need no bdev); returns a work count. */
    default int doWork() {
        return 0;
    }

    /** Whether the reactor may sleep (nothing queued inside the device). */
    default boolean prepareToSleep() {
        return true;
    }

    /** Requests received and not yet completed. */
    int inFlight();

    /** Releases the queue's resources; called once, with nothing in flight. */
    void close();
}
