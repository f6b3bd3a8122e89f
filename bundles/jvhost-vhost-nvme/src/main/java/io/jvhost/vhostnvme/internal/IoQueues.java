package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.VhostNvme;
import io.jvhost.posix.EventFd;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A controller's I/O submission and completion queues: creation and deletion, starting and stopping
 * them on reactors, and every change the control plane makes to what a running queue reads.
 *
 * <p>Ownership: the queue tables are the control thread's (under the controller's lock). A queue
 * is built on the control thread and handed to its reactor by the command that starts it; from then
 * on its fields change only through commands run on that reactor ({@link OnReactor}). A submission
 * queue comes back to the control thread once its reactor has taken it off (memory remaps).
 */
final class IoQueues {
    private static final Logger LOG = LoggerFactory.getLogger(IoQueues.class);
    private final NvmeDevice device;
    private final ReactorGroup reactors;
    private final CpuMask cpumask;
    private final int count;
    private final CompletionQueue[] cqs;
    private final SubmissionQueue[] sqs;
    private final CallFds calls;
    private GuestMemory memory = GuestMemory.empty();
    private DoorbellBuffer doorbells;
    private int coalescing;
    /** A queue did not stop in time: its reactor may still use guest memory and fds, so keep them. */
    private boolean leftRunning;

    IoQueues(NvmeDevice device, ReactorGroup reactors, CpuMask cpumask, int count) {
        this.device = device;
        this.reactors = reactors;
        this.cpumask = cpumask;
        this.count = count;
        this.cqs = new CompletionQueue[count + 1];
        this.sqs = new SubmissionQueue[count + 1];
        this.calls = new CallFds(device.name());
    }

    CompletionQueue cq(int qid) {
        return qid >= 1 && qid <= count ? cqs[qid] : null;
    }

    SubmissionQueue sq(int qid) {
        return qid >= 1 && qid <= count ? sqs[qid] : null;
    }

    void forEachSq(Consumer<SubmissionQueue> action) {
        for (int q = 1; q <= count; q++) {
            if (sqs[q] != null) {
                action.accept(sqs[q]);
            }
        }
    }

    GuestMemory memory() {
        return memory;
    }

    boolean leftRunning() {
        return leftRunning;
    }

    /** Creates I/O completion queue {@code qid}; returns an NVMe status. */
    int createCq(int qid, int size, long gpa, boolean interrupts) {
        CompletionQueue cq = new CompletionQueue(qid, size, gpa, interrupts, reactors.leastLoaded(cpumask));
        MemorySegment[] ring = new MemorySegment[1];
        long off = mapRing(gpa, (long) size * Nvme.CQE_BYTES, ring);
        if (off < 0) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        // not yet on its reactor: the command that starts its first SQ hands these over
        cq.map(ring[0], off);
        cq.call = calls.get(qid);
        cq.coalescing = coalescing;
        cq.shadow = doorbells;
        cqs[qid] = cq;
        return Nvme.SUCCESS;
    }

    int deleteCq(int qid) {
        CompletionQueue cq = cq(qid);
        if (cq == null) {
            return Nvme.INVALID_QUEUE_ID | Nvme.DNR;
        }
        if (cq.users > 0) {
            return Nvme.INVALID_QUEUE_DELETION | Nvme.DNR;
        }
        cqs[qid] = null; // no SQ feeds it, so nothing on its reactor touches it any more
        return Nvme.SUCCESS;
    }

    /** Creates I/O submission queue {@code qid} feeding {@code cq} and starts it; returns an NVMe status. */
    int createSq(int qid, int size, long gpa, CompletionQueue cq) {
        SubmissionQueue sq = new SubmissionQueue(device, qid, size, gpa, cq);
        if (!mapSq(sq)) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        sqs[qid] = sq;
        cq.users++;
        start(sq);
        return Nvme.SUCCESS;
    }

    int deleteSq(int qid) {
        SubmissionQueue sq = sq(qid);
        if (sq == null) {
            return Nvme.INVALID_QUEUE_ID | Nvme.DNR;
        }
        stop(sq);
        sqs[qid] = null;
        sq.cq.users--;
        return Nvme.SUCCESS;
    }

    /** NVME_SET_CQ_CALL: the interrupt fd of completion queue {@code cqid}. */
    void setCall(int cqid, EventFd fd) {
        calls.set(cqid, fd, cq(cqid));
    }

    /** A doorbell write the hypervisor trapped and relayed: applied on the queue's reactor. */
    void relayDoorbell(int type, int qid, int value) {
        if (type == VhostNvme.DOORBELL_SQ && sq(qid) != null) {
            SubmissionQueue sq = sqs[qid];
            OnReactor.post(sq.cq.reactor, () -> sq.relayedTail = value);
        } else if (type == VhostNvme.DOORBELL_CQ && cq(qid) != null) {
            CompletionQueue cq = cqs[qid];
            OnReactor.post(cq.reactor, () -> cq.relayedHead = value);
        }
    }

    /** Interrupt Coalescing (feature 08h) for every queue, now and later. */
    void setCoalescing(int v) {
        coalescing = v;
        forEachCq(cq -> OnReactor.run(cq.reactor, () -> cq.coalescing = v));
    }

    /**
     * Points every queue at {@code d} (null: the relay); returns once each reactor switched, so
     * doorbells replaced by these can be unmapped.
     */
    void useDoorbells(DoorbellBuffer d) {
        doorbells = d;
        forEachCq(cq -> OnReactor.run(cq.reactor, () -> cq.shadow = d));
    }

    /** The guest map is about to go: every submission queue leaves its reactor (in-flight commands finish). */
    void memoryReleasing() {
        forEachSq(this::stop);
        memory = GuestMemory.empty();
    }

    /** A new guest map: queues created on an earlier one are bound to it and started again. */
    void memoryMapped(GuestMemory m, DoorbellBuffer d) {
        memory = m;
        forEachCq(cq -> {
            MemorySegment[] ring = new MemorySegment[1];
            long off = mapRing(cq.gpa, (long) cq.size * Nvme.CQE_BYTES, ring);
            if (off >= 0) {
                OnReactor.run(cq.reactor, () -> cq.map(ring[0], off));
            }
        });
        useDoorbells(d);
        forEachSq(sq -> {
            if (mapSq(sq)) {
                start(sq);
            }
        });
    }

    /** Controller reset: every I/O queue deleted. */
    void reset() {
        for (int q = 1; q <= count; q++) {
            if (sqs[q] != null) {
                stop(sqs[q]);
                sqs[q] = null;
            }
            cqs[q] = null;
        }
    }

    /** The controller goes away: queues deleted, interrupt fds closed unless a queue may still use them. */
    void close() {
        reset();
        if (leftRunning) {
            LOG.error("controller {}: a queue did not stop; its interrupt fds stay open", device.name());
            return;
        }
        calls.closeAll();
    }

    private void forEachCq(Consumer<CompletionQueue> action) {
        for (int q = 1; q <= count; q++) {
            if (cqs[q] != null) {
                action.accept(cqs[q]);
            }
        }
    }

    /** Translates a queue's ring; returns the offset in {@code segment[0]}, or -1 outside guest memory. */
    private long mapRing(long gpa, long bytes, MemorySegment[] segment) {
        long h = memory.translate(gpa, bytes);
        if (h < 0) {
            return -1;
        }
        segment[0] = memory.segment(h);
        return GuestMemory.offset(h);
    }

    /** Binds a submission queue that is off its reactor to the current map. */
    private boolean mapSq(SubmissionQueue sq) {
        MemorySegment[] ring = new MemorySegment[1];
        long off = mapRing(sq.gpa, (long) sq.size * Nvme.SQE_BYTES, ring);
        if (off < 0) {
            return false;
        }
        sq.map(memory, ring[0], off);
        return true;
    }

    /** Hands {@code sq} to its reactor. */
    private void start(SubmissionQueue sq) {
        OnReactor.run(sq.cq.reactor, () -> {
            sq.stopping = false;
            sq.cq.reactor.addPoller(sq);
        });
    }

    /** Stops taking commands, waits for those in flight, then takes the queue off its reactor. */
    private void stop(SubmissionQueue sq) {
        boolean[] idle = new boolean[1];
        OnReactor.await(sq.cq.reactor, () -> {
            sq.stopping = true;
            idle[0] = sq.inFlight() == 0;
            return idle[0];
        });
        boolean removed = idle[0] && OnReactor.run(sq.cq.reactor, () -> {
            sq.cq.reactor.removePoller(sq);
            sq.close();
        });
        if (!removed) {
            leftRunning = true;
            LOG.error("controller {}: SQ {} did not stop within {} s; guest memory stays mapped", device.name(),
                    sq.qid, OnReactor.TIMEOUT_SECONDS);
        }
    }
}
