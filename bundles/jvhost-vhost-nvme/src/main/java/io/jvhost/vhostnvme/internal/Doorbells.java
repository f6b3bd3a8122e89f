package io.jvhost.vhostnvme.internal;

import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.vhostnvme.spi.DoorbellBufferHandler;
import io.jvhost.memory.GuestMemory;
import java.util.function.Supplier;

/**
 * Which doorbells a controller's queues read: the shadow pages of Doorbell Buffer Config while the
 * shadow doorbell bundle is present and the guest configured them, else the BAR page the
 * hypervisor shared, else none (the relay). Control thread only, under the controller's lock.
 */
final class Doorbells {
    private final Supplier<DoorbellBufferHandler> handler;
    private long shadowGpa = -1;
    private long eventIdxGpa = -1;
    private BarDoorbells bar;

    Doorbells(Supplier<DoorbellBufferHandler> handler) {
        this.handler = handler;
    }

    /** Whether Doorbell Buffer Config is offered (the shadow doorbell bundle is present). */
    boolean offersBuffer() {
        return handler.get() != null;
    }

    /** Doorbell Buffer Config: false when the bundle is gone or a page is not inside {@code memory}. */
    boolean configure(GuestMemory memory, long shadow, long eventIdx) {
        DoorbellBufferHandler h = handler.get();
        if (h == null || h.map(memory, shadow, eventIdx) == null) {
            return false;
        }
        shadowGpa = shadow;
        eventIdxGpa = eventIdx;
        return true;
    }

    /** The doorbells in force over {@code memory}; null for the relay. */
    DoorbellBuffer current(GuestMemory memory) {
        DoorbellBufferHandler h = handler.get();
        if (shadowGpa < 0 || h == null) {
            return bar;
        }
        DoorbellBuffer d = h.map(memory, shadowGpa, eventIdxGpa);
        return d != null ? d : bar;
    }

    /** Installs the hypervisor's BAR page; returns the one it replaces, to close once no queue reads it. */
    BarDoorbells replaceBar(BarDoorbells next) {
        BarDoorbells old = bar;
        bar = next;
        return old;
    }

    /** A controller reset forgets the shadow pages (the BAR stays the hypervisor's). */
    void forgetShadow() {
        shadowGpa = -1;
        eventIdxGpa = -1;
    }
}
