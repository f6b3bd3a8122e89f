package io.jvhost.vhostnvme.spi;

import io.jvhost.memory.GuestMemory;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Handles Doorbell Buffer Config for NVMe controllers: registered as a service by the shadow
 * doorbell bundle. While one is registered, controllers advertise the command (OACS bit 8) and
 * queues read shadow doorbells; without one, the doorbell relay alone is used.
 */
@ConsumerType
public interface DoorbellBufferHandler {
    /**
     * Binds the shadow doorbell page at {@code shadowGpa} and the EventIdx page at {@code eventIdxGpa}
     * (guest-physical, page aligned) in {@code memory}; null when either is not wholly inside it.
     */
    DoorbellBuffer map(GuestMemory memory, long shadowGpa, long eventIdxGpa);
}
