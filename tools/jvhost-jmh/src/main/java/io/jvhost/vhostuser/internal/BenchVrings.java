package io.jvhost.vhostuser.internal;

import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactor;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.virtio.DeviceRing;

/**
 * Opens the target's own ring poller (the class a session starts per queue) on a ring the benchmark
 * drives, without a socket or a session: the data path as a started queue runs it.
 */
public final class BenchVrings {
    private BenchVrings() {
    }

    /** Queue 0 of session 1 of {@code device} over {@code ring}, polled by {@code reactor}; no kick fd, no coalescing. */
    public static Poller open(String controller, DeviceRing ring, Reactor reactor, VhostUserDevice device) {
        VringPoller poller = new VringPoller(controller, 1, 0, ring, reactor, null, new Coalescing(), new LogLimit());
        poller.open(device);
        return poller;
    }
}
