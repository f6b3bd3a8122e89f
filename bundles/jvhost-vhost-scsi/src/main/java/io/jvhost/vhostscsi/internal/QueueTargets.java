package io.jvhost.vhostscsi.internal;

import io.jvhost.reactor.Reactor;
import io.jvhost.scsi.ScsiChannel;
import io.jvhost.scsi.ScsiTarget;

/**
 * One queue's channels to the controller's targets, opened on the queue's reactor when a target
 * first appears and closed once a removed target's channel drained.
 */
final class QueueTargets {
    private final ScsiDevice device;
    private final Reactor reactor;
    private ScsiTarget[] seen = new ScsiTarget[VirtioScsi.MAX_TARGETS];
    private final ScsiChannel[] channels = new ScsiChannel[VirtioScsi.MAX_TARGETS];
    /** Channels of removed targets, waiting for their last command. */
    private final java.util.ArrayList<ScsiChannel> draining = new java.util.ArrayList<>();

    QueueTargets(ScsiDevice device, Reactor reactor) {
        this.device = device;
        this.reactor = reactor;
    }

    /** The channel for {@code target}, or null when the controller has no such target. */
    ScsiChannel channel(int target) {
        ScsiTarget[] t = device.targets();
        if (t != seen) {
            reconcile(t);
        }
        return target >= 0 && target < channels.length ? channels[target] : null;
    }

    private void reconcile(ScsiTarget[] t) {
        for (int i = 0; i < channels.length; i++) {
            if (seen[i] != t[i]) {
                if (channels[i] != null) {
                    draining.add(channels[i]);
                    channels[i] = null;
                }
                if (t[i] != null) {
                    channels[i] = t[i].openChannel(reactor);
                }
            }
        }
        seen = t;
        doWork();
    }

    int doWork() {
        int work = 0;
        for (ScsiChannel ch : channels) {
            if (ch != null) {
                work += ch.doWork();
            }
        }
        for (int i = draining.size() - 1; i >= 0; i--) {
            ScsiChannel ch = draining.get(i);
            if (ch.inFlight() == 0) {
                ch.close();
                draining.remove(i);
                work++;
            }
        }
        return work;
    }

    void close() {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] != null) {
                channels[i].close();
                channels[i] = null;
            }
        }
        draining.forEach(ScsiChannel::close);
        draining.clear();
    }
}
