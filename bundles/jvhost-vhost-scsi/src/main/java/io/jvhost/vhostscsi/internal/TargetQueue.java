package io.jvhost.vhostscsi.internal;

import io.jvhost.reactor.Reactor;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;

/**
 * What the control and request queues share: channels to the controller's targets on this queue's
 * reactor, and the count of requests accepted and not yet returned.
 */
abstract class TargetQueue implements DeviceQueue {
    protected final QueueContext context;
    protected final QueueTargets targets;
    protected int inFlight;

    TargetQueue(ScsiDevice device, QueueContext context, Reactor reactor) {
        this.context = context;
        this.targets = new QueueTargets(device, reactor);
    }

    @Override
    public int doWork() {
        return targets.doWork();
    }

    @Override
    public int inFlight() {
        return inFlight;
    }

    @Override
    public void close() {
        targets.close();
    }
}
