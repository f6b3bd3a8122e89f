package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.OpenMode;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.VhostNvme;
import io.jvhost.posix.EventFd;
import io.jvhost.posix.Fd;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.vhostnvme.spi.DoorbellBufferHandler;
import io.jvhost.virtio.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NVMe controller behind the vhost-user NVMe messages (the reference target's 80-85): the
 * hypervisor emulates BAR0 and the admin queue and forwards admin commands here; the I/O queues live
 * in guest memory and are polled on reactors. Namespaces are bdevs.
 */
final class NvmeDevice implements VhostUserDevice {
    private static final Logger LOG = LoggerFactory.getLogger(NvmeDevice.class);
    static final int NVME_ADMIN = VhostNvme.ADMIN, NVME_SET_CQ_CALL = VhostNvme.SET_CQ_CALL,
            NVME_GET_CAP = VhostNvme.GET_CAP, NVME_START_STOP = VhostNvme.START_STOP, NVME_IO_CMD = VhostNvme.IO_CMD,
            NVME_SET_BAR_MR = VhostNvme.SET_BAR_MR;
    static final int MAX_QUEUE_ENTRIES = 1024;
    private static final long TIMEOUT_SECONDS = 30;

    private final String name;
    private final BdevRegistry bdevs;
    private final ReactorGroup reactors;
    private final CpuMask cpumask;
    private final int ioQueues;
    private final String serial;
    /** The shadow doorbell bundle's handler while it is present. */
    private final java.util.function.Supplier<DoorbellBufferHandler> doorbellHandler;
    private final NamespaceTable namespaces = new NamespaceTable();
    private volatile io.jvhost.vhostuser.VhostController owner;
    private final CompletionQueue[] cqs;
    private final SubmissionQueue[] sqs;
    private final EventFd[] cqCalls;
    private GuestMemory memory = GuestMemory.empty();
    private long shadowGpa = -1;
    private long eventIdxGpa = -1;
    private boolean enabled;
    private boolean writeCache = true;
    private int arbitration;
    private int coalescing;
    /** Doorbell registers in a BAR page shared by the hypervisor, when it gave one. */
    private BarDoorbells bar;

    NvmeDevice(String name, BdevRegistry bdevs, ReactorGroup reactors, CpuMask cpumask, int ioQueues,
            java.util.function.Supplier<DoorbellBufferHandler> doorbellHandler) {
        this.doorbellHandler = doorbellHandler;
        this.name = name;
        this.bdevs = bdevs;
        this.reactors = reactors;
        this.cpumask = cpumask;
        this.ioQueues = ioQueues;
        this.serial = Integer.toHexString(name.hashCode() & 0x7FFFFFFF) + "JV";
        this.cqs = new CompletionQueue[ioQueues + 1];
        this.sqs = new SubmissionQueue[ioQueues + 1];
        this.cqCalls = new EventFd[Math.max(256, ioQueues + 1)];
    }

    String name() {
        return name;
    }

    int ioQueues() {
        return ioQueues;
    }

    /** Control thread: adds {@code bdev} as the next namespace; returns its id. */
    synchronized int addNamespace(String bdev) {
        int nsid = namespaces.nextId();
        BdevEventListener listener = new BdevEventListener() {
            @Override
            public void removed(Bdev b) {
                LOG.warn("controller {}: bdev {} was removed; detaching namespace {}", name, b.name(), nsid);
                removeNamespace(nsid);
            }

            @Override
            public void resized(Bdev b, long oldBlockCount, long newBlockCount) {
                namespaceChanged(nsid); // Identify Namespace now reports the new size
            }
        };
        namespaces.publish(new Namespace(nsid, bdevs.open(bdev, OpenMode.WRITE_SHARED, "vhost-nvme " + name + " ns "
                + nsid, listener)));
        namespaceChanged(nsid);
        return nsid;
    }

    void attach(io.jvhost.vhostuser.VhostController c) {
        owner = c;
    }

    /**
     * Records a namespace change for the Changed Namespace List log page and tells the hypervisor with
     * a config-change message, so it completes an outstanding Asynchronous Event Request (Notice:
     * namespace attribute changed) for the guest; the admin queue and its AERs are the hypervisor's.
     */
    private void namespaceChanged(int nsid) {
        namespaces.markChanged(nsid);
        var c = owner;
        if (c != null) {
            c.notifyConfigChange();
        }
    }

    /** The Changed Namespace List (log page 04h), cleared by reading it. */
    byte[] takeChangedNamespaces() {
        return namespaces.takeChanged();
    }

    Namespace namespace(int nsid) {
        return namespaces.get(nsid);
    }

    /** NN of Identify Controller: the highest namespace id there has been (ids are not reused). */
    int maxNamespaceId() {
        return namespaces.maxId();
    }

    boolean isAttached(Namespace ns) {
        return namespace(ns.nsid) == ns;
    }

    List<Namespace> namespaces() {
        return namespaces.list();
    }

    /**
     * Control thread: namespace {@code nsid} goes away (its bdev was deleted). New commands get
     * Invalid Namespace at once; each queue lets go of its bdev channel once the commands in flight
     * on it finished; then the bdev is released and the change announced.
     */
    void removeNamespace(int nsid) {
        Namespace ns;
        synchronized (this) {
            ns = namespaces.unpublish(nsid);
        }
        if (ns == null) {
            return;
        }
        for (SubmissionQueue sq : sqs.clone()) {
            if (sq != null) {
                awaitOnReactor(sq.cq.reactor, () -> sq.releaseNamespace(ns));
            }
        }
        ns.descriptor.close();
        namespaceChanged(nsid);
    }

    // --- vhost-user ---

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int maxQueues() {
        return 1; // no virtqueues: the NVMe queues are the device's own
    }

    @Override
    public boolean servesConfigSpace() {
        return false;
    }

    @Override
    public void readConfig(int offset, byte[] out) {
        java.util.Arrays.fill(out, (byte) 0);
    }

    @Override
    public DeviceQueue openQueue(int index, QueueContext context, Reactor reactor) {
        throw new IllegalStateException("controller " + name + ": an NVMe controller has no virtqueues");
    }

    @Override
    public boolean handlesMessage(int request) {
        return request >= NVME_ADMIN && request <= NVME_SET_BAR_MR;
    }

    @Override
    public synchronized byte[] deviceMessage(int request, MemorySegment p, List<Fd> fds) {
        switch (request) {
            case NVME_GET_CAP -> {
                return u64(Nvme.capabilities(MAX_QUEUE_ENTRIES, 15));
            }
            case NVME_START_STOP -> {
                require(p, 8);
                boolean start = p.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != 0;
                if (!start) {
                    reset();
                } else {
                    namespaces.forgetChanges();
                }
                enabled = start;
                LOG.info("controller {}: {}", name, start ? "enabled" : "disabled");
                return null;
            }
            case NVME_SET_CQ_CALL -> {
                require(p, 8);
                long v = p.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                int cqid = (int) (v & 0xFF);
                EventFd fd = (v & 0x100) != 0 || fds.isEmpty() ? null : new EventFd(fds.get(0).release());
                EventFd old = cqCalls[cqid];
                cqCalls[cqid] = fd;
                CompletionQueue cq = cqid < cqs.length ? cqs[cqid] : null;
                if (cq != null) {
                    cq.call = fd;
                    if (fd != null) {
                        fd.signal(); // as with virtqueues: an interrupt sent to the old fd may be lost
                    }
                }
                if (old != null) {
                    old.close();
                }
                return null;
            }
            case NVME_IO_CMD -> {
                require(p, 12);
                int type = p.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
                int qid = p.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
                int value = p.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
                doorbell(type, qid, value);
                return null;
            }
            case NVME_ADMIN -> {
                require(p, Nvme.SQE_BYTES);
                return new Admin(this).execute(p);
            }
            default -> { // NVME_SET_BAR_MR
                BarDoorbells old = bar;
                bar = BarDoorbells.map(p, fds, ioQueues);
                refreshDoorbells(); // queues polling the old page move over before it is unmapped
                if (old != null) {
                    old.close();
                }
                return null;
            }
        }
    }

    /** Points every queue at the doorbells in force: shadow pages, else the shared BAR, else the relay. */
    private void pointQueuesAtDoorbells() {
        DoorbellBuffer d = mapDoorbells();
        for (int q = 1; q <= ioQueues; q++) {
            if (cqs[q] != null) {
                cqs[q].shadow = d;
            }
        }
    }

    /** As {@link #pointQueuesAtDoorbells}, then one pass on each reactor so no queue still reads the old page. */
    private void refreshDoorbells() {
        pointQueuesAtDoorbells();
        for (int q = 1; q <= ioQueues; q++) {
            if (cqs[q] != null) {
                call(cqs[q].reactor, () -> { });
            }
        }
    }

    private static void require(MemorySegment p, int bytes) {
        if (p.byteSize() < bytes) {
            throw new IllegalArgumentException("payload of " + p.byteSize() + " bytes, " + bytes + " needed");
        }
    }

    static byte[] u64(long v) {
        byte[] b = new byte[8];
        MemorySegment.ofArray(b).set(ValueLayout.JAVA_LONG_UNALIGNED, 0, v);
        return b;
    }

    /** A doorbell write the hypervisor trapped and relayed: the queue's reactor picks it up. */
    private void doorbell(int type, int qid, int value) {
        if (qid < 1 || qid > ioQueues) {
            return;
        }
        if (type == VhostNvme.DOORBELL_SQ && sqs[qid] != null) {
            sqs[qid].relayedTail = value;
            wake(sqs[qid].cq.reactor);
        } else if (type == VhostNvme.DOORBELL_CQ && cqs[qid] != null) {
            cqs[qid].relayedHead = value;
            wake(cqs[qid].reactor);
        }
    }

    private static void wake(Reactor r) {
        try {
            r.execute(() -> { });
        } catch (RuntimeException stopped) {
            // the queue is going away
        }
    }

    @Override
    public synchronized void memoryMapped(GuestMemory m) {
        memory = m;
        // queues created on an earlier map (SET_MEM_TABLE again, memory hot-plug): bind and restart them
        for (int q = 1; q <= ioQueues; q++) {
            if (cqs[q] != null) {
                mapCq(cqs[q]);
            }
        }
        pointQueuesAtDoorbells();
        for (int q = 1; q <= ioQueues; q++) {
            if (sqs[q] != null && mapSq(sqs[q]) == Nvme.SUCCESS) {
                start(sqs[q]);
            }
        }
    }

    @Override
    public synchronized void memoryReleasing() {
        for (int q = 1; q <= ioQueues; q++) {
            if (sqs[q] != null) {
                stop(sqs[q]);
            }
        }
        memory = GuestMemory.empty();
    }

    @Override
    public synchronized void sessionEnded() {
        reset();
        enabled = false;
        if (bar != null) {
            bar.close(); // the next hypervisor brings its own BAR
            bar = null;
        }
    }

    /** Controller reset: every I/O queue deleted, shadow doorbells forgotten. */
    private void reset() {
        for (int q = 1; q <= ioQueues; q++) {
            if (sqs[q] != null) {
                stop(sqs[q]);
                sqs[q] = null;
            }
            cqs[q] = null;
        }
        shadowGpa = -1;
        eventIdxGpa = -1;
    }

    // --- used by Admin, under this object's lock ---

    boolean enabled() {
        return enabled;
    }

    String serial() {
        return serial;
    }

    boolean writeCache() {
        return writeCache;
    }

    void setWriteCache(boolean on) {
        writeCache = on;
    }

    int arbitration() {
        return arbitration;
    }

    void setArbitration(int v) {
        arbitration = v;
    }

    int coalescing() {
        return coalescing;
    }

    void setCoalescing(int v) {
        coalescing = v;
        for (CompletionQueue cq : cqs) {
            if (cq != null) {
                cq.coalescing = v;
            }
        }
    }

    GuestMemory memory() {
        return memory;
    }

    CompletionQueue cq(int qid) {
        return qid >= 1 && qid <= ioQueues ? cqs[qid] : null;
    }

    SubmissionQueue sq(int qid) {
        return qid >= 1 && qid <= ioQueues ? sqs[qid] : null;
    }

    /** Creates I/O completion queue {@code qid}; returns an NVMe status. */
    int createCq(int qid, int size, long gpa, boolean interrupts) {
        CompletionQueue cq = new CompletionQueue(qid, size, gpa, interrupts, reactors.leastLoaded(cpumask));
        if (!mapCq(cq)) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        cq.call = cqCalls[qid];
        cq.coalescing = coalescing;
        cq.shadow = mapDoorbells();
        cqs[qid] = cq;
        return Nvme.SUCCESS;
    }

    private boolean mapCq(CompletionQueue cq) {
        long h = memory.translate(cq.gpa, (long) cq.size * Nvme.CQE_BYTES);
        if (h < 0) {
            return false;
        }
        MemorySegment seg = memory.segment(h);
        long off = GuestMemory.offset(h);
        cq.map(seg, off);
        return true;
    }

    int deleteCq(int qid) {
        CompletionQueue cq = cq(qid);
        if (cq == null) {
            return Nvme.INVALID_QUEUE_ID | Nvme.DNR;
        }
        if (cq.users > 0) {
            return Nvme.INVALID_QUEUE_DELETION | Nvme.DNR;
        }
        cqs[qid] = null;
        return Nvme.SUCCESS;
    }

    /** Creates I/O submission queue {@code qid} feeding {@code cq}; returns an NVMe status. */
    int createSq(int qid, int size, long gpa, CompletionQueue cq) {
        SubmissionQueue sq = new SubmissionQueue(this, qid, size, gpa, cq);
        int s = mapSq(sq);
        if (s != Nvme.SUCCESS) {
            return s;
        }
        sqs[qid] = sq;
        cq.users++;
        start(sq);
        return Nvme.SUCCESS;
    }

    private int mapSq(SubmissionQueue sq) {
        long h = memory.translate(sq.gpa, (long) sq.size * Nvme.SQE_BYTES);
        if (h < 0) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        sq.map(memory, memory.segment(h), GuestMemory.offset(h));
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

    private void start(SubmissionQueue sq) {
        sq.stopping = false;
        call(sq.cq.reactor, () -> sq.cq.reactor.addPoller(sq));
    }

    /** Stops taking commands, waits for those in flight, then takes the queue off its reactor. */
    private void stop(SubmissionQueue sq) {
        sq.stopping = true;
        awaitOnReactor(sq.cq.reactor, () -> sq.inFlight() == 0);
        call(sq.cq.reactor, () -> {
            sq.cq.reactor.removePoller(sq);
            sq.close();
        });
    }

    /**
     * Asks {@code condition} on {@code r}'s thread until it holds, the reactor stops answering or
     * {@link #TIMEOUT_SECONDS} pass (what is in flight there finishes on its own time).
     */
    private static void awaitOnReactor(Reactor r, java.util.concurrent.Callable<Boolean> condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            Boolean done = callValue(r, condition);
            if (done == null || done) {
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void call(Reactor r, Runnable action) {
        callValue(r, () -> {
            action.run();
            return 0;
        });
    }

    private static <T> T callValue(Reactor r, java.util.concurrent.Callable<T> action) {
        try {
            return r.call(action).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.error("reactor {} did not answer: {}", r.index(), e.toString());
            return null;
        }
    }

    /** Whether Doorbell Buffer Config is offered (the shadow doorbell bundle is present). */
    boolean offersDoorbellBuffer() {
        return doorbellHandler.get() != null;
    }

    /** Doorbell Buffer Config: the shadow doorbell and EventIdx pages; returns an NVMe status. */
    int configureDoorbells(long shadow, long eventIdx) {
        DoorbellBufferHandler h = doorbellHandler.get();
        if (h == null) {
            return Nvme.INVALID_OPCODE | Nvme.DNR;
        }
        if ((shadow & (Nvme.PAGE - 1)) != 0 || (eventIdx & (Nvme.PAGE - 1)) != 0
                || h.map(memory, shadow, eventIdx) == null) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        shadowGpa = shadow;
        eventIdxGpa = eventIdx;
        pointQueuesAtDoorbells();
        return Nvme.SUCCESS;
    }

    private DoorbellBuffer mapDoorbells() {
        DoorbellBufferHandler h = doorbellHandler.get();
        if (shadowGpa < 0 || h == null) {
            return bar;
        }
        DoorbellBuffer d = h.map(memory, shadowGpa, eventIdxGpa);
        return d != null ? d : bar;
    }

    /** The controller was deleted: no front-end is connected any more. */
    synchronized void close() {
        reset();
        namespaces.closeAll();
        if (bar != null) {
            bar.close();
            bar = null;
        }
        for (int i = 0; i < cqCalls.length; i++) {
            if (cqCalls[i] != null) {
                cqCalls[i].close();
                cqCalls[i] = null;
            }
        }
    }
}
