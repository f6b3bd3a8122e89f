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
import java.lang.foreign.ValueLayout;

/**
 * An I/O submission queue in guest memory, polled on its completion queue's reactor: takes new
 * entries up to the tail the guest reported (shadow doorbell or relay), turns each into a bdev
 * request pointing into guest memory through its PRPs, and posts the completion. With shadow
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
    private final MemorySegment rangeScratch = java.lang.foreign.Arena.ofAuto().allocate(16 * 256, 16);
    private IoChannel[] channels = new IoChannel[0];
    private Namespace[] seen = new Namespace[0];
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
        int opcode = Sqe.opcode(ring, at);
        Namespace ns = device.namespace(Sqe.nsid(ring, at));
        r.ns = ns;
        if (ns == null) {
            finish(r, Nvme.INVALID_NAMESPACE | Nvme.DNR);
            return;
        }
        if (Sqe.psdt(ring, at) > 1) {
            finish(r, Nvme.INVALID_FIELD | Nvme.DNR); // SGLs with a metadata SGL are not offered
            return;
        }
        BdevIo io = r.io;
        switch (opcode) {
            case Nvme.IO_READ, Nvme.IO_WRITE -> {
                long slba = Sqe.slba(ring, at);
                int blocks = Sqe.blocks(ring, at);
                if (!inRange(ns, slba, blocks)) {
                    finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
                    return;
                }
                io.set(opcode == Nvme.IO_READ ? IoType.READ : IoType.WRITE, slba, blocks, r);
                int s = data(io, at, (long) blocks * ns.blockSize);
                if (s != Nvme.SUCCESS) {
                    io.clearSegments();
                    finish(r, s | Nvme.DNR);
                    return;
                }
                submit(r);
            }
            case Nvme.IO_FLUSH -> {
                if (!ns.flush) {
                    finish(r, Nvme.SUCCESS);
                    return;
                }
                io.set(IoType.FLUSH, 0, 0, r);
                submit(r);
            }
            case Nvme.IO_WRITE_ZEROES -> {
                long slba = Sqe.slba(ring, at);
                int blocks = Sqe.blocks(ring, at);
                if (!inRange(ns, slba, blocks)) {
                    finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
                    return;
                }
                io.set(ns.writeZeroes ? IoType.WRITE_ZEROES : IoType.UNMAP, slba, blocks, r);
                submit(r);
            }
            case Nvme.IO_DATASET_MANAGEMENT -> deallocate(r, at);
            case Nvme.IO_COMPARE -> compare(r, at);
            default -> finish(r, Nvme.INVALID_OPCODE | Nvme.DNR);
        }
    }

    /** Dataset Management with the deallocate attribute: each range becomes an unmap, one after another. */
    private void deallocate(NvmeRequest r, long at) {
        Namespace ns = r.ns;
        int count = (Sqe.cdw(ring, at, 10) & 0xFF) + 1;
        boolean ad = (Sqe.cdw(ring, at, 11) & 0x4) != 0;
        if (!ad || !ns.unmap) {
            finish(r, Nvme.SUCCESS); // attributes are hints; only deallocate has an effect
            return;
        }
        BdevIo io = r.io;
        io.set(IoType.READ, 0, 0, r);
        int s = data(io, at, 16L * count);
        if (s != Nvme.SUCCESS) {
            io.clearSegments();
            finish(r, s | Nvme.DNR);
            return;
        }
        if (r.ranges == null) {
            r.ranges = new long[2 * 256]; // once per request slot, the first time it deallocates
        }
        // gather the 16-byte ranges {attributes, blocks, starting LBA} out of guest memory
        long done = 0;
        for (int i = 0; i < io.segmentCount(); i++) {
            long n = io.segmentLength(i);
            MemorySegment.copy(io.segment(i), io.segmentOffset(i), rangeScratch, done, n);
            done += n;
        }
        io.clearSegments();
        for (int i = 0; i < count; i++) {
            long blocks = rangeScratch.get(ValueLayout.JAVA_INT_UNALIGNED, 16L * i + 4) & 0xFFFFFFFFL;
            long slba = rangeScratch.get(ValueLayout.JAVA_LONG_UNALIGNED, 16L * i + 8);
            if (!inRange(ns, slba, blocks)) {
                finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
                return;
            }
            r.ranges[2 * i] = slba;
            r.ranges[2 * i + 1] = blocks;
        }
        r.rangeIndex = 0;
        r.rangeCount = count;
        nextRange(r);
    }

    /** Compare: read the blocks aside, then compare them with the guest's buffers (ioDone). */
    private void compare(NvmeRequest r, long at) {
        Namespace ns = r.ns;
        long slba = Sqe.slba(ring, at);
        int blocks = Sqe.blocks(ring, at);
        if (!inRange(ns, slba, blocks)) {
            finish(r, Nvme.LBA_OUT_OF_RANGE | Nvme.DNR);
            return;
        }
        long bytes = (long) blocks * ns.blockSize;
        if (bytes > (long) Nvme.PAGE << IdentifyData.MDTS) {
            finish(r, Nvme.INVALID_FIELD | Nvme.DNR);
            return;
        }
        BdevIo io = r.io;
        io.set(IoType.READ, slba, blocks, r);
        int s = data(io, at, bytes);
        if (s != Nvme.SUCCESS) {
            io.clearSegments();
            finish(r, s | Nvme.DNR);
            return;
        }
        r.compare.keep(io, bytes); // the guest's buffers stay mapped: the queue drains before memory goes
        io.clearSegments();
        io.set(IoType.READ, slba, blocks, r);
        io.addSegment(r.compare.readBack(), 0, bytes);
        submit(r);
    }

    /** The command's data: PRPs (PSDT 00b) or an SGL (01b), added to {@code io}; returns an NVMe status. */
    private int data(BdevIo io, long at, long bytes) {
        return Sqe.psdt(ring, at) == 0 ? Prps.add(memory, io, Sqe.prp1(ring, at), Sqe.prp2(ring, at), bytes)
                : Sgls.add(memory, io, ring, at + Sqe.PRP1, bytes);
    }

    private void nextRange(NvmeRequest r) {
        while (r.rangeIndex < r.rangeCount) {
            int i = r.rangeIndex++;
            if (r.ranges[2 * i + 1] > 0) {
                r.io.set(IoType.UNMAP, r.ranges[2 * i], r.ranges[2 * i + 1], r);
                submit(r);
                return;
            }
        }
        r.rangeCount = 0;
        finish(r, Nvme.SUCCESS);
    }

    private static boolean inRange(Namespace ns, long slba, long blocks) {
        long count = ns.bdev.blockCount();
        return slba >= 0 && blocks > 0 && slba <= count && blocks <= count - slba;
    }

    private void submit(NvmeRequest r) {
        IoChannel ch = channel(r.ns);
        if (ch == null) {
            r.io.clearSegments();
            finish(r, Nvme.NAMESPACE_NOT_READY);
            return;
        }
        ch.submit(r.io);
    }

    /** This reactor's channel to {@code ns}, opened on first use. */
    private IoChannel channel(Namespace ns) {
        int i = ns.nsid - 1;
        if (i >= seen.length || seen[i] != ns) {
            if (i >= seen.length) {
                seen = java.util.Arrays.copyOf(seen, i + 1);
                channels = java.util.Arrays.copyOf(channels, i + 1);
            }
            if (channels[i] != null) {
                channels[i].close();
            }
            seen[i] = ns;
            channels[i] = device.isAttached(ns) ? ns.descriptor.channel(cq.reactor) : null;
        }
        return channels[i];
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
            nextRange(r);
            return;
        }
        r.rangeCount = 0;
        finish(r, switch (status) {
            case BdevIo.SUCCESS -> Nvme.SUCCESS;
            case BdevIo.INVALID -> Nvme.LBA_OUT_OF_RANGE | Nvme.DNR;
            case BdevIo.UNSUPPORTED -> Nvme.INVALID_OPCODE | Nvme.DNR;
            case BdevIo.REMOVED -> Nvme.NAMESPACE_NOT_READY;
            case BdevIo.ABORTED -> Nvme.ABORTED_BY_REQUEST;
            default -> r.io.type() == IoType.READ ? Nvme.UNRECOVERED_READ_ERROR : Nvme.WRITE_FAULT;
        });
    }

    private void finish(NvmeRequest r, int status) {
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
        int i = ns.nsid - 1;
        if (i >= seen.length || seen[i] != ns) {
            return true;
        }
        IoChannel ch = channels[i];
        if (ch != null && ch.inFlight() > 0) {
            return false;
        }
        if (ch != null) {
            ch.close();
        }
        channels[i] = null;
        seen[i] = null;
        return true;
    }

    /** Reactor thread, once nothing is in flight: releases the bdev channels. */
    void close() {
        for (IoChannel ch : channels) {
            if (ch != null) {
                ch.close();
            }
        }
        channels = new IoChannel[0];
        seen = new Namespace[0];
    }

    @Override
    public String name() {
        return device.name() + "/sq" + qid;
    }
}
