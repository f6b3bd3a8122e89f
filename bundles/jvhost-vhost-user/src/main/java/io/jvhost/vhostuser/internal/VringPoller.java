package io.jvhost.vhostuser.internal;

import io.jvhost.posix.EventFd;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactor;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.virtio.DescriptorChain;
import io.jvhost.virtio.DeviceRing;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one virtqueue on its reactor: publishes the previous pass's completions, takes new requests
 * in bounded batches, hands each chain to the device, and on stop waits for in-flight requests
 * before it leaves the reactor and reports the ring's next available index.
 */
final class VringPoller implements Poller, QueueContext {
    private static final Logger LOG = LoggerFactory.getLogger(VringPoller.class);
    private static final int BATCH = 64;
    private static final int MAX_CHAIN = 1024;

    private final String controller;
    /** Which front-end connection of the controller this queue belongs to (1, 2, ...), for logs. */
    private final int session;
    private final int index;
    private final DeviceRing queue;
    private final Reactor reactor;
    private final EventFd kick;
    private final DescriptorChain chain;
    private final CompletableFuture<Integer> stopped = new CompletableFuture<>();
    final AtomicLong completed = new AtomicLong();
    private final Coalescing.Queue coalescing;
    private final LogLimit logLimit;
    private DeviceQueue device;
    private boolean stopRequested;
    private boolean broken;

    VringPoller(String controller, int session, int index, DeviceRing queue, Reactor reactor, EventFd kick,
            Coalescing coalescing, LogLimit logLimit) {
        this.coalescing = new Coalescing.Queue(coalescing);
        this.logLimit = logLimit;
        this.controller = controller;
        this.session = session;
        this.index = index;
        this.queue = queue;
        this.reactor = reactor;
        this.kick = kick;
        this.chain = new DescriptorChain(Math.min(MAX_CHAIN, queue.size() + 64));
    }

    /** On the reactor: opens the device queue and starts polling. */
    void open(VhostUserDevice d) {
        device = d.openQueue(index, this, reactor);
        reactor.addPoller(this);
        if (kick != null) {
            reactor.watch(kick);
        }
        queue.suppressKicks();
        // after a reconnect the driver may be waiting for completions it missed: let it re-check
        queue.interrupt();
    }

    Reactor reactor() {
        return reactor;
    }

    DeviceRing queue() {
        return queue;
    }

    @Override
    public int doWork() {
        int work = 0;
        if (queue.hasUnpublished()) {
            publish();
            work++;
        } else if (coalescing.owed && coalescing.due(System.nanoTime())) {
            settleInterrupt();
        }
        if (!stopRequested && !broken && !device.pullsRequests()) {
            work += takeRequests();
        }
        work += device.doWork();
        if (stopRequested && device.inFlight() == 0 && !stopped.isDone()) {
            finish();
        }
        return work;
    }

    /** Publishes completions; with coalescing on, the interrupt may wait for its due time. */
    private void publish() {
        if (!coalescing.enabled()) {
            queue.publishUsed();
            coalescing.owed = false;
            return;
        }
        if (coalescing.mayInterrupt(System.nanoTime(), completed.get())) {
            queue.publishUsed();
            coalescing.owed = false;
        } else {
            queue.publishUsedQuietly();
            coalescing.owed = true;
        }
    }

    /** Sends the interrupt owed for quietly published completions (if the driver still wants one). */
    private void settleInterrupt() {
        coalescing.owed = false;
        queue.notifyIfNeeded();
    }

    private int takeRequests() {
        int taken = 0;
        while (taken < BATCH) {
            int r = queue.next(chain);
            if (r == DeviceRing.NONE) {
                break;
            }
            if (r != DescriptorChain.OK) {
                markBroken("malformed request after " + taken + " in this batch: " + DescriptorChain.describe(r));
                break;
            }
            device.request(chain);
            taken++;
        }
        if (taken > 0 && queue.isPolling()) {
            queue.suppressKicks();
        }
        return taken;
    }

    private void markBroken(String why) {
        broken = true;
        logLimit.error(LOG, "controller {} session {} queue {}: {}; the queue stops until the driver resets the"
                + " device{}", controller, session, index, why);
    }

    @Override
    public boolean prepareToSleep() {
        if (queue.hasUnpublished()) {
            publish();
            return false;
        }
        if (coalescing.owed) {
            // never sleep on an interrupt the guest is owed: a held-back interrupt is only for busy queues
            settleInterrupt();
        }
        if (!device.prepareToSleep()) {
            return false;
        }
        if (device.pullsRequests()) {
            // its buffers wait in the ring for the device; a kick only says more arrived
            return true;
        }
        return broken || stopRequested || !queue.enableKicksAndRecheck();
    }

    @Override
    public void awake() {
        queue.suppressKicks();
    }

    /** On the reactor: stop taking requests; {@link #stopped()} completes once in-flight ones finished. */
    void requestStop() {
        stopRequested = true;
        if (device.inFlight() == 0 && !stopped.isDone()) {
            finish();
        }
    }

    CompletableFuture<Integer> stopped() {
        return stopped;
    }

    private void finish() {
        queue.publishUsed();
        if (coalescing.owed) {
            settleInterrupt();
        }
        reactor.removePoller(this);
        if (kick != null) {
            reactor.unwatch(kick);
        }
        chain.clear();
        try {
            device.close();
        } finally {
            stopped.complete(queue.state());
        }
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public int size() {
        return queue.size();
    }

    @Override
    public void complete(int head, int writtenBytes) {
        queue.pushUsed(head, writtenBytes);
        completed.lazySet(completed.get() + 1);
    }

    @Override
    public DescriptorChain takeRequest() {
        if (broken || stopRequested) {
            return null;
        }
        int r = queue.next(chain);
        if (r == DeviceRing.NONE) {
            return null;
        }
        if (r != DescriptorChain.OK) {
            markBroken("malformed buffer: " + DescriptorChain.describe(r));
            return null;
        }
        return chain;
    }

    @Override
    public String controller() {
        return controller;
    }

    @Override
    public String name() {
        return controller + "/q" + index;
    }
}
