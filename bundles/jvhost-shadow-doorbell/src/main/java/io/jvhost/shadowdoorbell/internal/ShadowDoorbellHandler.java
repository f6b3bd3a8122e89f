package io.jvhost.shadowdoorbell.internal;

import io.jvhost.nvme.Nvme;
import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.vhostnvme.spi.DoorbellBufferHandler;
import io.jvhost.memory.GuestMemory;
import org.osgi.service.component.annotations.Component;

/**
 * Doorbell Buffer Config for vhost-nvme controllers. Present: controllers offer the command and their
 * queues poll shadow doorbells. Stopped: new controllers and resets fall back to the doorbell relay;
 * queues already bound keep reading their pages (a guest that configured shadow doorbells stops
 * ringing real ones, so they must not be taken from it).
 */
@Component(service = DoorbellBufferHandler.class)
public final class ShadowDoorbellHandler implements DoorbellBufferHandler {
    @Override
    public DoorbellBuffer map(GuestMemory memory, long shadowGpa, long eventIdxGpa) {
        long s = memory.translate(shadowGpa, Nvme.PAGE);
        long e = memory.translate(eventIdxGpa, Nvme.PAGE);
        if (s < 0 || e < 0) {
            return null;
        }
        return new ShadowDoorbells(memory.segment(s), GuestMemory.offset(s), memory.segment(e), GuestMemory.offset(e));
    }
}
