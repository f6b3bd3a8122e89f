package io.jvhost.bdev.nvme.internal;

import io.jvhost.nvme.driver.NvmeController;
import io.jvhost.nvme.driver.NvmeQueuePair;
import io.jvhost.reactor.Reactor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One I/O queue pair per reactor per controller, shared by the channels of all the controller's
 * namespaces on that reactor (as SPDK's bdev_nvme shares a qpair per thread). Leases are taken and
 * released on the reactor that owns the pair; the last release deletes the pair.
 */
final class ControllerQueues {
    private final NvmeController controller;
    private final Map<Reactor, Lease> leases = new ConcurrentHashMap<>();

    ControllerQueues(NvmeController controller) {
        this.controller = controller;
    }

    /** On {@code reactor}'s thread: its pair, created on first use. */
    Lease lease(Reactor reactor) {
        Lease l = leases.computeIfAbsent(reactor, r -> {
            NvmeQueuePair pair = controller.createQueuePair();
            // a reset or detach asks the owner to acknowledge: wake the reactor if it sleeps
            pair.onStateChange(() -> r.execute(() -> { }));
            return new Lease(r, pair);
        });
        l.holders++;
        return l;
    }

    /** A reactor's pair and how many channels use it; polled once per reactor pass, however many channels share it. */
    final class Lease {
        private final Reactor reactor;
        private final NvmeQueuePair pair;
        private int holders;

        Lease(Reactor reactor, NvmeQueuePair pair) {
            this.reactor = reactor;
            this.pair = pair;
        }

        NvmeQueuePair pair() {
            return pair;
        }

        int poll() {
            return pair.poll();
        }

        void release() {
            if (--holders == 0) {
                leases.remove(reactor);
                pair.close();
            }
        }
    }
}
