package io.jvhost.vhostuser.internal;

import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.virtio.DeviceRing;
import io.jvhost.memory.GuestMemory;
import io.jvhost.virtio.PackedQueue;
import io.jvhost.virtio.SplitQueue;
import io.jvhost.virtio.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a session's vrings on reactors and takes them off again: binds the device ring to guest
 * memory, hands it to the least-loaded reactor of the cpumask and waits for the reactor's
 * acknowledgement; stopping waits until in-flight requests finished.
 */
final class RingRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RingRunner.class);
    private static final long TIMEOUT_SECONDS = 30;
    private final String controller;
    private final int session;
    private final VhostUserDevice device;
    private final ReactorGroup reactors;
    private final CpuMask cpumask;
    private final Coalescing coalescing;
    private final LogLimit logLimit;
    private boolean leftRunning;

    RingRunner(String controller, int session, VhostUserDevice device, ReactorGroup reactors, CpuMask cpumask,
            Coalescing coalescing, LogLimit logLimit) {
        this.coalescing = coalescing;
        this.logLimit = logLimit;
        this.controller = controller;
        this.session = session;
        this.device = device;
        this.reactors = reactors;
        this.cpumask = cpumask;
    }

    /**
     * Starts {@code v} on a reactor over {@code memory} with the negotiated {@code features}. A ring
     * layout the queue cannot bind to (misaligned, outside guest memory, areas overlapping, a base past
     * the ring) leaves that queue stopped, with a log line, as a malformed ring does.
     */
    void start(Vring v, GuestMemory memory, long features, MemorySegment inflight) {
        DeviceRing queue;
        boolean eventIdx = VirtioFeatures.has(features, VirtioFeatures.RING_EVENT_IDX);
        try {
            queue = VirtioFeatures.has(features, VirtioFeatures.RING_PACKED)
                    ? new PackedQueue(memory, v.num, v.descAddr, v.availAddr, v.usedAddr, v.base, eventIdx, v.call)
                    : new SplitQueue(memory, v.num, v.descAddr, v.availAddr, v.usedAddr, v.base & 0xFFFF, eventIdx,
                            v.call, inflight);
        } catch (IllegalArgumentException e) {
            logLimit.warn(LOG, "controller {} session {} queue {}: does not start: {}; it stays stopped until the"
                    + " driver sets it up again{}", controller, session, v.index, e.getMessage());
            return;
        }
        if (queue instanceof SplitQueue split) {
            reportInflight(v, split);
        }
        Reactor reactor = reactors.leastLoaded(cpumask);
        VringPoller poller = new VringPoller(controller, session, v.index, queue, reactor, v.kick, coalescing,
                logLimit);
        try {
            reactor.call(() -> {
                poller.open(device);
                return null;
            }).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("queue " + v.index + " could not start on reactor " + reactor.index() + ": "
                    + e.getMessage(), e);
        }
        v.running = poller;
        LOG.info("controller {}: queue {} ({} entries) runs on reactor {} (core {})", controller, v.index, v.num,
                reactor.index(), reactor.core());
    }

    /** Says what the inflight region gave this queue: requests served again, or why it was not used. */
    private void reportInflight(Vring v, SplitQueue split) {
        if (split.inflightRefused() != null) {
            logLimit.warn(LOG, "controller {} session {} queue {}: inflight region not used: {}; the queue starts"
                    + " clean at avail index {}{}", controller, session, v.index, split.inflightRefused(),
                    v.base & 0xFFFF);
        } else if (split.resubmitted() > 0) {
            LOG.info("controller {} session {} queue {}: serves {} requests again that were in flight when the"
                    + " target stopped, oldest first, before new ones", controller, session, v.index,
                    split.resubmitted());
        }
    }

    /** Stops a running ring after its in-flight requests finished; records where it stopped. */
    void stop(Vring v) {
        VringPoller p = v.running;
        if (p == null) {
            return;
        }
        try {
            p.reactor().execute(p::requestStop);
            v.base = p.stopped().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            // requests still in flight may write into guest memory: it must stay mapped
            leftRunning = true;
            v.stuck = true;
            LOG.error("controller {}: queue {} did not stop within {} s; keeping guest memory mapped", controller,
                    v.index, TIMEOUT_SECONDS);
        }
        v.completedBefore += p.completed.get();
        v.running = null;
    }

    /** True once a ring failed to stop: guest memory must then never be unmapped. */
    boolean leftRunning() {
        return leftRunning;
    }
}
