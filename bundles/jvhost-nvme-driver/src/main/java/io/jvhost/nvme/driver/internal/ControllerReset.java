package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.AttachOptions;
import io.jvhost.nvme.driver.NvmeController.State;
import io.jvhost.nvme.driver.NvmeDriverException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resets of one controller: every queue pair's owner stops touching its queues, the controller is
 * disabled and brought up again with the same queues, and the pairs resume with their outstanding
 * commands resubmitted. A reset that fails is tried again every reconnect delay, I/O waiting, until
 * the controller loss timeout; then the controller is failed and its I/O completes as aborted.
 * Methods hold this object's lock: one reset at a time, and detaching waits for the one running.
 */
final class ControllerReset {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerReset.class);
    private final String label;
    private final String name;
    private final AttachOptions options;
    private final AtomicReference<State> state;
    private final List<PcieQueuePair> queuePairs;
    private final ControllerEnable enable;
    private final AdminCommands admin;
    private final DoorbellBuffer doorbellBuffer;
    private final ControllerMonitor monitor;
    final AtomicLong resets = new AtomicLong(), failedResets = new AtomicLong();
    /** While RESETTING: a failed reset is being tried again. */
    private boolean reconnecting;
    /** nanoTime of the next attempt and of giving up ({@link Long#MAX_VALUE}: never). */
    private long reconnectAt, giveUpAt;

    ControllerReset(String name, VfioDevice device, AttachOptions options, AtomicReference<State> state,
            List<PcieQueuePair> queuePairs, ControllerEnable enable, AdminCommands admin, DoorbellBuffer doorbellBuffer,
            ControllerMonitor monitor) {
        this.name = name;
        this.label = name + " (" + device.address() + ")";
        this.options = options;
        this.state = state;
        this.queuePairs = queuePairs;
        this.enable = enable;
        this.admin = admin;
        this.doorbellBuffer = doorbellBuffer;
        this.monitor = monitor;
    }

    /** A reset asked for (or, while reconnecting, the next attempt now). */
    synchronized void reset() {
        if (state.get() == State.RESETTING && reconnecting) {
            reinitializeOrRetry();
            return;
        }
        if (!state.compareAndSet(State.ENABLED, State.RESETTING) && !state.compareAndSet(State.FAILED, State.RESETTING)) {
            throw new NvmeDriverException(name + " is " + state.get().name().toLowerCase() + "; cannot reset");
        }
        resets.incrementAndGet();
        long loss = options.ctrlrLossTimeoutMillis();
        giveUpAt = loss < 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(loss);
        try {
            // every pair's owner stops touching its queues before the controller forgets them
            for (PcieQueuePair qp : queuePairs) {
                qp.handshake().suspend();
            }
            for (PcieQueuePair qp : queuePairs) {
                qp.handshake().awaitSuspended(enable.readyTimeoutNanos() + TimeUnit.SECONDS.toNanos(5));
            }
        } catch (RuntimeException e) {
            giveUp(e); // an owner that does not answer cannot be resumed safely either
        }
        reinitializeOrRetry();
    }

    /** For the monitor: makes the next attempt of a failed reset when it is due. */
    synchronized void reconnectIfDue(long now) {
        if (state.get() == State.RESETTING && reconnecting && now - reconnectAt >= 0) {
            try {
                reinitializeOrRetry();
            } catch (NvmeDriverException e) {
                // logged: tried again later, or failed
            }
        }
    }

    /** With every pair suspended: bring the controller up again and resume the pairs, or plan the next try. */
    private void reinitializeOrRetry() {
        try {
            enable.disable();
            admin.resetQueue();
            enable.enable();
            if (admin.negotiateQueues() < queuePairs.size()) {
                throw new NvmeDriverException(name + " grants fewer queues after the reset than are in use");
            }
            if (doorbellBuffer != null && !admin.configureDoorbellBuffer(doorbellBuffer)) {
                throw new NvmeDriverException(name + ": Doorbell Buffer Config failed after the reset");
            }
            for (PcieQueuePair qp : queuePairs) {
                qp.clearQueues();
                admin.createQueues(qp);
            }
        } catch (RuntimeException e) {
            failedResets.incrementAndGet();
            long now = System.nanoTime();
            long delay = TimeUnit.MILLISECONDS.toNanos(options.reconnectDelayMillis());
            if (options.reconnects() && (giveUpAt == Long.MAX_VALUE || now + delay - giveUpAt <= 0)) {
                reconnecting = true;
                reconnectAt = now + delay;
                String message = label + ": reset failed: " + e.getMessage()
                        + "; trying again every " + options.reconnectDelayMillis() + " ms"
                        + (giveUpAt == Long.MAX_VALUE ? "" : " for up to "
                                + TimeUnit.NANOSECONDS.toMillis(giveUpAt - now) + " ms more")
                        + " while I/O waits";
                LOG.error("nvme {}", message);
                throw new NvmeDriverException(message, e);
            }
            giveUp(e);
        }
        reconnecting = false;
        monitor.forgetTimeouts();
        if (!state.compareAndSet(State.RESETTING, State.ENABLED)) {
            throw new NvmeDriverException(name + " was detached during its reset");
        }
        for (PcieQueuePair qp : queuePairs) {
            qp.handshake().resume();
        }
        LOG.warn("nvme {} reset; {} queue pair(s) resumed", label, queuePairs.size());
    }

    /** The controller is failed: outstanding and later I/O completes as aborted. Always throws. */
    private void giveUp(RuntimeException cause) {
        reconnecting = false;
        state.compareAndSet(State.RESETTING, State.FAILED); // not if it was detached meanwhile
        for (PcieQueuePair qp : queuePairs) {
            qp.handshake().fail();
        }
        String message = label + " failed its reset: " + cause.getMessage()
                + "; I/O to it fails until a reset succeeds (bdev_nvme_reset_controller) or it is detached";
        LOG.error("nvme {}", message);
        throw new NvmeDriverException(message, cause);
    }
}
