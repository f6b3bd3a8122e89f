package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Sqe;
import io.jvhost.reactor.Poller;
import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;

/**
 * An I/O submission queue in guest memory, polled on its completion queue's reactor: takes new
 * entries up to the tail the guest reported (shadow doorbell or relay), has {@link IoCommands} turn
 * each into a bdev request pointing into guest memory, and posts the completion. With shadow
 * doorbells it keeps the EventIdx just behind the tail it consumed while it polls, and at the tail
 * when the reactor goes to sleep, so the guest rings only when a sleeping controller needs waking.
 *
 * <p>Reactor-owned while it runs ({@link IoQueues} changes its fields only by commands on that
 * reactor); nothing here allocates per command once a request slot has been used.
 */
final class SubmissionQueue implements Poller {
    private static final int BATCH = 64;
    private static final int MAX_SEGMENTS = 130;
    final int qid;
    final int size;
    final long gpa;
    final CompletionQueue cq;
    private final NvmeDevice device;
    private MemorySegment ring;
    private long ringOff;
    private GuestMemory memory;
    private int head;
    private NvmeRequest free;
    private int inFlight;
    /** Completions waiting for room in the completion queue. */
    private final PendingCompletions unposted;
    /** Dataset Management ranges gathered out of guest memory (at most 256 of 16 bytes). */
    final MemorySegment rangeScratch = java.lang.foreign.Arena.ofAuto().allocate(16 * 256, 16);
    private final NamespaceChannels channels;
    /** SQ tail written through the doorbell relay. */
    int relayedTail;
    /** Set while the queue drains before it leaves its reactor. */
    boolean stopping;

    SubmissionQueue(NvmeDevice device, int qid, int size, long gpa, CompletionQueue cq) {
        this.device = device;
        this.qid = qid;
        this.size = size;
        this.gpa = gpa;
        this.cq = cq;
        this.unposted = new PendingCompletions(size);
        this.channels = new NamespaceChannels(cq.reactor, device.namespaces::isAttached);
        for (int i = 0; i < size; i++) {
            NvmeRequest r = new NvmeRequest(this, MAX_SEGMENTS);
            r.nextFree = free;
            free = r;
        }
    }

    void map(GuestMemory memory, MemorySegment ring, long off) {
        this.memory = memory;
        this.ring = ring;
        this.ringOff = off;
    }

    int inFlight() {
        return inFlight + unposted.size();
    }

    @Override
    public int doWork() {
        int work = retryUnposted();
        if (!stopping) {
            work += take();
        }
        cq.signal(false);
        return work;
    }

    private int take() {
        DoorbellBuffer d = cq.shadow;
        int tail = d != null ? d.sqTail(qid) : relayedTail;
        if (tail < 0 || tail >= size) {
            return 0; // a doorbell past the queue: ignored, as a controller would flag it and go on
        }
        int n = 0;
        while (head != tail && n < BATCH && free != null) {
            long at = ringOff + (long) head * Nvme.SQE_BYTES;
            head = head + 1 == size ? 0 : head + 1;
            execute(at);
            n++;
        }
        if (d != null && n > 0) {
            d.setSqEventIdx(qid, (head - 1 + size) % size);
        }
        return n;
    }

    private void execute(long at) {
        NvmeRequest r = free;
        free = r.nextFree;
        inFlight++;
        r.cid = Sqe.cid(ring, at);
        Namespace ns = device.namespaces.get(Sqe.nsid(ring, at));
        r.ns = ns;
        if (ns == null) {
            finish(r, Nvme.INVALID_NAMESPACE | Nvme.DNR);
            return;
        }
        if (Sqe.psdt(ring, at) > 1) {
            finish(r, Nvme.INVALID_FIELD | Nvme.DNR); // SGLs with a metadata SGL are not offered
            return;
        }
        IoCommands.execute(this, r, ring, at, memory);
    }

    /** Hands a built request to its namespace's bdev channel; ends it when the namespace went. */
    void submit(NvmeRequest r) {
        IoChannel ch = channels.channel(r.ns);
        if (ch == null) {
            r.io.clearSegments();
            finish(r, Nvme.NAMESPACE_NOT_READY);
            return;
        }
        ch.submit(r.io);
    }

    void ioDone(NvmeRequest r, int status) {
        r.io.clearSegments();
        if (r.compare.active()) {
            boolean same = r.compare.matches();
            if (status == BdevIo.SUCCESS) {
                finish(r, same ? Nvme.SUCCESS : Nvme.COMPARE_FAILURE | Nvme.DNR);
                return;
            }
        }
        if (status == BdevIo.SUCCESS && r.rangeCount > 0) {
            IoCommands.nextRange(this, r);
            return;
        }
        r.rangeCount = 0;
        if (BdevIo.isNvmeError(status)) {
            finish(r, BdevIo.nvmeStatus(status)); // a device's or an error bdev's own status, given on unchanged
            return;
        }
        finish(r, switch (status) {
            case BdevIo.SUCCESS -> Nvme.SUCCESS;
            case BdevIo.INVALID -> Nvme.LBA_OUT_OF_RANGE | Nvme.DNR;
            case BdevIo.UNSUPPORTED -> Nvme.INVALID_OPCODE | Nvme.DNR;
            case BdevIo.REMOVED -> Nvme.NAMESPACE_NOT_READY;
            case BdevIo.ABORTED -> Nvme.ABORTED_BY_REQUEST;
            default -> r.io.type() == IoType.READ ? Nvme.UNRECOVERED_READ_ERROR : Nvme.WRITE_FAULT;
        });
    }

    /** Ends command {@code r}: its slot is free again and its completion posted (or queued for room). */
    void finish(NvmeRequest r, int status) {
        if (r.compare.active()) {
            r.compare.end();
        }
        int cid = r.cid;
        r.ns = null;
        r.nextFree = free;
        free = r;
        inFlight--;
        if (!unposted.isEmpty() || !cq.post(0, head, qid, cid, status)) {
            unposted.add(cid, status);
        }
    }

    private int retryUnposted() {
        int n = 0;
        while (!unposted.isEmpty()) {
            if (!cq.post(0, head, qid, unposted.peekCid(), unposted.peekStatus())) {
                break;
            }
            unposted.remove();
            n++;
        }
        return n;
    }

    @Override
    public boolean prepareToSleep() {
        cq.signal(true); // a sleeping controller never holds an interrupt back
        if (inFlight() > 0 || stopping) {
            return inFlight() == 0;
        }
        DoorbellBuffer d = cq.shadow;
        if (d == null) {
            return relayedTail == head;
        }
        if (d instanceof BarDoorbells) {
            return false; // register writes into a shared page wake nobody: such queues are polled without pause
        }
        // ask the guest to ring for its next command, then look once more
        d.setSqEventIdx(qid, head);
        return d.sqTail(qid) == head;
    }

    @Override
    public void awake() {
        DoorbellBuffer d = cq.shadow;
        if (d != null) {
            d.setSqEventIdx(qid, (head - 1 + size) % size);
        }
    }

    /** Reactor thread: closes the channel to a detached namespace; false while commands on it are in flight. */
    boolean releaseNamespace(Namespace ns) {
        return channels.release(ns);
    }

    /** Reactor thread, once nothing is in flight: releases the bdev channels. */
    void close() {
        channels.close();
    }

    @Override
    public String name() {
        return device.name() + "/sq" + qid;
    }
}
