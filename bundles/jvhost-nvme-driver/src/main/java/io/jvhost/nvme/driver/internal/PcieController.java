package io.jvhost.nvme.driver.internal;

import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.driver.AttachOptions;
import io.jvhost.nvme.driver.ControllerCounters;
import io.jvhost.nvme.driver.ControllerData;
import io.jvhost.nvme.driver.NamespaceData;
import io.jvhost.nvme.driver.NvmeController;
import io.jvhost.nvme.driver.NvmeDriverException;
import io.jvhost.nvme.driver.NvmeQueuePair;
import io.jvhost.nvme.driver.PciAddress;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PCIe NVMe controller driven from user space: bring-up per the NVMe spec (disable, admin queue,
 * enable, Identify, number of queues, Doorbell Buffer Config), I/O queue pairs on demand, and
 * resets: asked for, or started by the {@link ControllerMonitor} on fatal status or a command that
 * outlives its abort. A reset that fails is tried again every reconnect delay, I/O waiting, until the
 * controller loss timeout; then the controller is failed and its I/O completes as aborted.
 */
final class PcieController implements NvmeController {
    private static final Logger LOG = LoggerFactory.getLogger(PcieController.class);
    private final String name;
    private final AttachOptions options;
    private final VfioDevice device;
    private final ControllerRegisters registers;
    private final DmaMemory dma;
    private final long cap;
    private final long readyTimeoutNanos;
    private final AdminQueue admin;
    private final DmaBuffer scratch;
    private final ControllerData data;
    private final List<NamespaceData> namespaces;
    private final int ioQueues;
    private final BitSet usedQueueIds = new BitSet();
    private final List<PcieQueuePair> queuePairs = new CopyOnWriteArrayList<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.ENABLED);
    private final AtomicLong timeouts = new AtomicLong(), aborts = new AtomicLong(), resets = new AtomicLong(),
            failedResets = new AtomicLong();
    /** Data commands of queue pairs already closed. */
    private final AtomicLong closedDirect = new AtomicLong(), closedCopied = new AtomicLong();
    private final Consumer<PcieController> onClose;
    private final ControllerMonitor monitor;
    private DoorbellBuffer doorbellBuffer;
    /** While RESETTING: a failed reset is being tried again; guarded by this. */
    private boolean reconnecting;
    /** nanoTime of the next attempt and of giving up ({@link Long#MAX_VALUE}: never); guarded by this. */
    private long reconnectAt, giveUpAt;
    private final RegisteredMappings registeredMemory;

    private PcieController(String name, AttachOptions options, VfioDevice device, Consumer<PcieController> onClose) {
        this.name = name;
        this.options = options;
        this.device = device;
        this.onClose = onClose;
        this.registeredMemory = new RegisteredMappings(device.container());
        this.registers = new ControllerRegisters(device.bar0());
        this.cap = registers.capabilities();
        int csts = registers.status();
        if (ControllerRegisters.gone(csts)) {
            throw new NvmeDriverException(name + " (" + device.address() + "): BAR0 reads all ones; the device is not responding");
        }
        if (cap == 0) {
            throw new NvmeDriverException(name + " (" + device.address() + "): the controller's capabilities read zero"
                    + ((csts & ControllerRegisters.CSTS_CFS) != 0 ? " and it reports fatal status (CSTS.CFS)" : "")
                    + "; it cannot become ready. An SR-IOV virtual function is like this while its secondary controller "
                    + "is offline: bring it online from the physical function (Virtualization Management, "
                    + "e.g. nvme virt-mgmt)");
        }
        if ((cap >>> 37 & 1) == 0) {
            throw new NvmeDriverException(name + " (" + device.address() + ") does not support the NVM command set");
        }
        if (((cap >>> 48) & 0xF) != 0) {
            throw new NvmeDriverException(name + " (" + device.address() + ") does not support 4 KiB memory pages");
        }
        // CAP.TO is in 500 ms units: the longest CSTS.RDY may take to follow CC.EN
        this.readyTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, (cap >>> 24) & 0xFF) * 500);
        this.monitor = new ControllerMonitor(this, registers, options.adminTimeoutMillis());
        this.dma = new DmaMemory(device.container(), name);
        disable();
        this.admin = new AdminQueue(registers, dma);
        enable();
        this.scratch = dma.allocate(DmaBuffer.PAGE, true);
        this.data = IdentifyParser.controller(identify(Nvme.CNS_CONTROLLER, 0), cap, registers.version());
        this.ioQueues = negotiateQueues();
        this.namespaces = List.copyOf(findNamespaces());
        if (options.shadowDoorbells() && data.doorbellBufferConfig()) {
            doorbellBuffer = new DoorbellBuffer(dma);
            if (!configureDoorbellBuffer()) {
                doorbellBuffer = null;
            }
        }
    }

    /** Attaches {@code address}; on any failure everything opened so far is closed again. */
    static PcieController attach(String name, PciAddress address, AttachOptions options, Consumer<PcieController> onClose) {
        VfioDevice device = VfioDevice.open(address, options.noIommu());
        PcieController c = null;
        try {
            device.enableBusMaster();
            c = new PcieController(name, options, device, onClose);
            c.monitor.start();
            LOG.info("nvme {}: {} (serial {}, firmware {}, NVMe {}) at {}: {} namespace(s), {} I/O queues{}{}", name,
                    c.data.model(), c.data.serial(), c.data.firmware(), c.data.version(), address,
                    c.namespaces.size(), c.ioQueues, c.doorbellBuffer != null ? ", shadow doorbells" : "",
                    options.noIommu() ? ", no-IOMMU mode" : "");
            return c;
        } catch (RuntimeException e) {
            try {
                if (c != null) {
                    c.releaseHardware(false);
                } else {
                    abandon(device);
                }
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A failed bring-up: the controller must stop DMA before its memory goes. */
    private static void abandon(VfioDevice device) {
        try {
            ControllerRegisters r = new ControllerRegisters(device.bar0());
            r.configure(r.configuration() & ~ControllerRegisters.CC_ENABLE);
            device.disableBusMaster();
        } finally {
            device.close();
        }
    }

    private void disable() {
        if ((registers.configuration() & ControllerRegisters.CC_ENABLE) != 0) {
            registers.configure(registers.configuration() & ~ControllerRegisters.CC_ENABLE);
        }
        awaitReady(false, "become disabled (CSTS.RDY 0)");
    }

    private void enable() {
        registers.configure(ControllerRegisters.CC_ENABLE | ControllerRegisters.CC_IOSQES_64
                | ControllerRegisters.CC_IOCQES_16);
        awaitReady(true, "become ready (CSTS.RDY 1)");
    }

    private void awaitReady(boolean ready, String what) {
        long deadline = System.nanoTime() + readyTimeoutNanos;
        while (true) {
            int csts = registers.status();
            if (ControllerRegisters.gone(csts)) {
                throw new NvmeDriverException(name + " (" + device.address() + "): the device stopped responding");
            }
            if (ready && (csts & ControllerRegisters.CSTS_CFS) != 0) {
                throw new NvmeDriverException(name + " (" + device.address() + ") reported controller fatal status "
                        + "while enabling");
            }
            if (((csts & ControllerRegisters.CSTS_RDY) != 0) == ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new NvmeDriverException(name + " (" + device.address() + ") did not " + what + " within "
                        + TimeUnit.NANOSECONDS.toMillis(readyTimeoutNanos) + " ms (CAP.TO)");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new NvmeDriverException(name + " (" + device.address() + "): interrupted waiting to " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    AdminQueue.Result adminCommand(int opcode, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12) {
        try {
            return admin.execute(opcode, nsid, prp1, prp2, cdw10, cdw11, cdw12,
                    TimeUnit.MILLISECONDS.toNanos(options.adminTimeoutMillis()));
        } catch (AdminQueue.NoCompletion e) {
            throw new NvmeDriverException(name + " (" + device.address() + "): " + e.getMessage());
        }
    }

    private java.lang.foreign.MemorySegment identify(int cns, int nsid) {
        scratch.memory().fill((byte) 0);
        AdminQueue.Result r = adminCommand(Nvme.ADMIN_IDENTIFY, nsid, scratch.iova(0), 0, cns, 0, 0);
        if (!r.ok()) {
            throw new NvmeDriverException(name + ": Identify CNS " + cns + " nsid " + nsid + " failed with status 0x"
                    + Integer.toHexString(r.status()));
        }
        return scratch.memory();
    }

    /** Set Features / Number of Queues: asks for 64 pairs; returns how many the controller granted. */
    private int negotiateQueues() {
        int want = 63;
        AdminQueue.Result r = adminCommand(Nvme.ADMIN_SET_FEATURES, 0, 0, 0, Nvme.FEAT_NUMBER_OF_QUEUES,
                want | want << 16, 0);
        if (!r.ok()) {
            throw new NvmeDriverException(name + ": Set Features (number of queues) failed with status 0x"
                    + Integer.toHexString(r.status()));
        }
        return Math.min(r.dw0() & 0xFFFF, r.dw0() >>> 16) + 1;
    }

    private List<NamespaceData> findNamespaces() {
        var page = identify(Nvme.CNS_ACTIVE_NAMESPACES, 0);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 1024; i++) {
            int nsid = page.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i);
            if (nsid == 0) {
                break;
            }
            ids.add(nsid);
        }
        List<NamespaceData> found = new ArrayList<>();
        for (int nsid : ids) {
            NamespaceData ns = IdentifyParser.namespace(nsid, identify(Nvme.CNS_NAMESPACE, nsid));
            if (ns != null) {
                found.add(ns);
            }
        }
        return found;
    }

    private boolean configureDoorbellBuffer() {
        doorbellBuffer.clear();
        AdminQueue.Result r = adminCommand(Nvme.ADMIN_DOORBELL_BUFFER_CONFIG, 0, doorbellBuffer.shadowIova(),
                doorbellBuffer.eventIdxIova(), 0, 0, 0);
        if (!r.ok()) {
            LOG.warn("nvme {}: Doorbell Buffer Config failed with status 0x{}; using MMIO doorbells", name,
                    Integer.toHexString(r.status()));
            return false;
        }
        return true;
    }

    /** Registered memory mapped for this controller's DMA. */
    RegisteredMappings registeredMemory() {
        return registeredMemory;
    }

    @Override
    public NvmeQueuePair createQueuePair() {
        State s = state.get();
        if (s != State.ENABLED) {
            throw new NvmeDriverException(name + " is " + s.name().toLowerCase() + "; no new queues");
        }
        int qid;
        synchronized (usedQueueIds) {
            qid = usedQueueIds.nextClearBit(1);
            if (qid > ioQueues) {
                throw new NvmeDriverException(name + " has no I/O queue left (" + ioQueues + " granted)");
            }
            usedQueueIds.set(qid);
        }
        int entries = Math.min(options.ioQueueEntries(), data.maxQueueEntries());
        if (device.container().noIommu()) {
            entries = Math.min(entries, hugePagesOk() ? entries : DmaBuffer.PAGE / Nvme.SQE_BYTES);
        }
        try {
            PcieQueuePair qp = new PcieQueuePair(this, qid, entries, dma, registers, doorbellBuffer,
                    data.maxTransferBytes(), TimeUnit.MILLISECONDS.toNanos(options.ioTimeoutMillis()));
            createQueues(qp);
            queuePairs.add(qp);
            return qp;
        } catch (RuntimeException e) {
            synchronized (usedQueueIds) {
                usedQueueIds.clear(qid);
            }
            throw e;
        }
    }

    private static boolean hugePagesOk() {
        try {
            return Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/vm/nr_hugepages")).trim()) > 0;
        } catch (java.io.IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Create I/O CQ (physically contiguous, interrupts off) then its SQ. */
    private void createQueues(PcieQueuePair qp) {
        int qid = qp.id();
        int size = qp.entries() - 1;
        AdminQueue.Result r = adminCommand(Nvme.ADMIN_CREATE_CQ, 0, qp.completionQueueIova(), 0, size << 16 | qid, 1, 0);
        if (!r.ok()) {
            qp.releaseMemory();
            throw new NvmeDriverException(name + ": Create I/O CQ " + qid + " failed with status 0x" + Integer.toHexString(r.status()));
        }
        r = adminCommand(Nvme.ADMIN_CREATE_SQ, 0, qp.submissionQueueIova(), 0, size << 16 | qid, qid << 16 | 1, 0);
        if (!r.ok()) {
            adminCommand(Nvme.ADMIN_DELETE_CQ, 0, 0, 0, qid, 0, 0);
            qp.releaseMemory();
            throw new NvmeDriverException(name + ": Create I/O SQ " + qid + " failed with status 0x" + Integer.toHexString(r.status()));
        }
    }

    /** Called by a pair's owner thread when it closes: deletes SQ, then CQ, and frees the pair's memory. */
    void deleteQueuePair(PcieQueuePair qp) {
        queuePairs.remove(qp);
        closedDirect.addAndGet(qp.directCommands());
        closedCopied.addAndGet(qp.copiedCommands());
        try {
            if (state.get() == State.ENABLED) {
                adminCommand(Nvme.ADMIN_DELETE_SQ, 0, 0, 0, qp.id(), 0, 0);
                adminCommand(Nvme.ADMIN_DELETE_CQ, 0, 0, 0, qp.id(), 0, 0);
            }
        } catch (RuntimeException e) {
            LOG.warn("nvme {}: deleting queue pair {}: {}", name, qp.id(), e.getMessage());
        } finally {
            if (state.get() != State.DETACHED) {
                qp.releaseMemory();
            }
            synchronized (usedQueueIds) {
                usedQueueIds.clear(qp.id());
            }
        }
    }

    /** A pair saw a command outlive the timeout; the monitor aborts it. */
    void reportTimeout(int qid, int cid) {
        timeouts.incrementAndGet();
        monitor.reportTimeout(qid, cid);
    }

    /** For the monitor: whether command {@code cid} of queue {@code qid}, reported at {@code since}, is still out. */
    boolean stillOutstanding(int qid, int cid, long since) {
        for (PcieQueuePair qp : queuePairs) {
            if (qp.id() == qid) {
                return qp.stillOutstanding(cid, since);
            }
        }
        return false;
    }

    /** Sends Abort for a timed-out command (the monitor's thread). */
    void abort(int qid, int cid) {
        aborts.incrementAndGet();
        try {
            AdminQueue.Result r = adminCommand(Nvme.ADMIN_ABORT, 0, 0, 0, cid << 16 | qid, 0, 0);
            LOG.warn("nvme {}: command {} on queue {} timed out; abort {}", name, cid, qid,
                    !r.ok() ? "failed (0x" + Integer.toHexString(r.status()) + ")"
                            : (r.dw0() & 1) == 0 ? "accepted" : "not performed");
        } catch (RuntimeException e) {
            LOG.warn("nvme {}: abort of command {} on queue {} failed: {}", name, cid, qid, e.getMessage());
        }
    }

    /** A reset the monitor started; its outcome is logged by {@link #reset()}. */
    void resetFromMonitor() {
        try {
            reset();
        } catch (NvmeDriverException e) {
            // logged where it happened; the controller is reconnecting or failed
        }
    }

    @Override
    public synchronized void reset() {
        if (state.get() == State.RESETTING && reconnecting) {
            reinitializeOrRetry(); // asked for while reconnecting: the next attempt, now
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
                qp.suspend();
            }
            for (PcieQueuePair qp : queuePairs) {
                qp.awaitSuspended(readyTimeoutNanos + TimeUnit.SECONDS.toNanos(5));
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
            disable();
            admin.reset();
            enable();
            if (negotiateQueues() < queuePairs.size()) {
                throw new NvmeDriverException(name + " grants fewer queues after the reset than are in use");
            }
            if (doorbellBuffer != null && !configureDoorbellBuffer()) {
                throw new NvmeDriverException(name + ": Doorbell Buffer Config failed after the reset");
            }
            for (PcieQueuePair qp : queuePairs) {
                qp.clearQueues();
                createQueues(qp);
            }
        } catch (RuntimeException e) {
            failedResets.incrementAndGet();
            long now = System.nanoTime();
            long delay = TimeUnit.MILLISECONDS.toNanos(options.reconnectDelayMillis());
            if (options.reconnects() && (giveUpAt == Long.MAX_VALUE || now + delay - giveUpAt <= 0)) {
                reconnecting = true;
                reconnectAt = now + delay;
                String message = name + " (" + device.address() + "): reset failed: " + e.getMessage()
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
            qp.resume();
        }
        LOG.warn("nvme {} ({}) reset; {} queue pair(s) resumed", name, device.address(), queuePairs.size());
    }

    /** The controller is failed: outstanding and later I/O completes as aborted. Always throws. */
    private void giveUp(RuntimeException cause) {
        reconnecting = false;
        state.compareAndSet(State.RESETTING, State.FAILED); // not if it was detached meanwhile
        for (PcieQueuePair qp : queuePairs) {
            qp.fail();
        }
        String message = name + " (" + device.address() + ") failed its reset: " + cause.getMessage()
                + "; I/O to it fails until a reset succeeds (bdev_nvme_reset_controller) or it is detached";
        LOG.error("nvme {}", message);
        throw new NvmeDriverException(message, cause);
    }

    @Override
    public void close() {
        State previous = state.getAndSet(State.DETACHED);
        if (previous == State.DETACHED) {
            return;
        }
        registeredMemory.close();
        // a reset attempt in progress holds the admin queue and DMA memory: let it end first
        boolean quiet = monitor.stop(readyTimeoutNanos / 1_000_000 + options.adminTimeoutMillis() + 5_000);
        for (PcieQueuePair qp : queuePairs) {
            qp.fail();
        }
        for (PcieQueuePair qp : queuePairs) {
            quiet &= qp.awaitFailed(TimeUnit.SECONDS.toNanos(5));
        }
        onClose.accept(this);
        if (!quiet) {
            // a pair's owner or a reset may still touch queue memory or doorbells: leaking beats a crash
            LOG.error("nvme {} ({}): a queue pair's owner or a reset in progress did not stop; its memory and the "
                    + "device stay mapped", name, device.address());
            return;
        }
        synchronized (this) { // after a reset an operator asked for, which holds the lock while it runs
            releaseHardware(previous == State.ENABLED);
        }
        LOG.info("nvme {} ({}) detached", name, device.address());
    }

    /** Shutdown notification (when enabled), disable, bus mastering off, then memory and VFIO released. */
    private void releaseHardware(boolean shutdown) {
        try {
            if (shutdown) {
                registers.configure((registers.configuration() & ~ControllerRegisters.CC_SHN_MASK)
                        | ControllerRegisters.CC_SHN_NORMAL);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((registers.status() & ControllerRegisters.CSTS_SHST_MASK) != ControllerRegisters.CSTS_SHST_COMPLETE
                        && System.nanoTime() < deadline && !ControllerRegisters.gone(registers.status())) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                }
            }
            registers.configure(registers.configuration() & ~ControllerRegisters.CC_ENABLE);
            device.disableBusMaster();
        } finally {
            dma.close();
            device.close();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PciAddress address() {
        return device.address();
    }

    @Override
    public ControllerData data() {
        return data;
    }

    @Override
    public List<NamespaceData> namespaces() {
        return namespaces;
    }

    @Override
    public boolean shadowDoorbells() {
        return doorbellBuffer != null;
    }

    @Override
    public boolean noIommu() {
        return device.container().noIommu();
    }

    @Override
    public State state() {
        return state.get();
    }

    boolean enabled() {
        return state.get() == State.ENABLED;
    }

    @Override
    public ControllerCounters counters() {
        long direct = closedDirect.get(), copied = closedCopied.get();
        for (PcieQueuePair qp : queuePairs) {
            direct += qp.directCommands();
            copied += qp.copiedCommands();
        }
        return new ControllerCounters(timeouts.get(), aborts.get(), resets.get(), failedResets.get(), direct, copied);
    }
}
