package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.driver.NvmeController.State;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's watchdog thread. Every {@value #PERIOD_MILLIS} ms it checks CSTS for fatal status,
 * sends Abort for the commands queue pairs reported as timed out, resets the controller when one of
 * them outlives its abort by the admin timeout, and, while a failed reset is being tried again,
 * makes the next attempt when it is due.
 */
final class ControllerMonitor {
    private static final Logger LOG = LoggerFactory.getLogger(ControllerMonitor.class);
    static final long PERIOD_MILLIS = 100;
    private final PcieController controller;
    private final ControllerRegisters registers;
    private final long abortGraceNanos;
    /** {qid, cid, nanoTime reported}, from the queue pairs' owners. */
    private final ConcurrentLinkedQueue<long[]> timedOut = new ConcurrentLinkedQueue<>();
    private final Thread thread;

    ControllerMonitor(PcieController controller, ControllerRegisters registers, long adminTimeoutMillis) {
        this.controller = controller;
        this.registers = registers;
        this.abortGraceNanos = TimeUnit.MILLISECONDS.toNanos(adminTimeoutMillis);
        this.thread = new Thread(this::run, "nvme-monitor-" + controller.name());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** A queue pair's owner saw command {@code cid} outlive the I/O timeout. */
    void reportTimeout(int qid, int cid) {
        timedOut.add(new long[] {qid, cid, System.nanoTime()});
    }

    /** After a reset the commands were submitted again with fresh deadlines: old reports are moot. */
    void forgetTimeouts() {
        timedOut.clear();
    }

    /** Stops the thread and waits up to {@code timeoutMillis} for it (it may be in a reset attempt). */
    boolean stop(long timeoutMillis) {
        thread.interrupt();
        if (Thread.currentThread() == thread) {
            return true;
        }
        try {
            thread.join(timeoutMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    private void run() {
        List<long[]> aborting = new ArrayList<>();
        while (controller.state() != State.DETACHED) {
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            State state = controller.state();
            if (state == State.RESETTING) {
                controller.reconnectIfDue(System.nanoTime());
                aborting.clear();
                continue;
            }
            if (state != State.ENABLED) {
                continue;
            }
            int csts = registers.status();
            if (ControllerRegisters.faulted(csts)) {
                LOG.error("nvme {} ({}): {}; resetting", controller.name(), controller.address(),
                        ControllerRegisters.describeFault(csts));
                aborting.clear();
                controller.resetFromMonitor();
                continue;
            }
            long[] t;
            while ((t = timedOut.poll()) != null) {
                controller.abort((int) t[0], (int) t[1]);
                aborting.add(t);
            }
            if (anAbortFailed(aborting)) {
                LOG.error("nvme {} ({}): a command outlived its abort; resetting the controller", controller.name(),
                        controller.address());
                aborting.clear();
                controller.resetFromMonitor();
            }
        }
    }

    /**
     * Whether a command is still outstanding the admin timeout after its abort (an abort is an admin
     * command). Not the I/O timeout: that may be far shorter than a busy controller's latency and
     * would reset it over and over.
     */
    private boolean anAbortFailed(List<long[]> aborting) {
        long now = System.nanoTime();
        boolean stuck = false;
        for (var it = aborting.iterator(); it.hasNext();) {
            long[] a = it.next();
            if (!controller.stillOutstanding((int) a[0], (int) a[1], a[2])) {
                it.remove();
            } else if (now - a[2] > abortGraceNanos) {
                stuck = true;
            }
        }
        return stuck;
    }
}
