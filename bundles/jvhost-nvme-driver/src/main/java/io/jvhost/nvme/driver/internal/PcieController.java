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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PCIe NVMe controller driven from user space. Bring-up per the NVMe spec: disable, admin queue,
 * enable ({@link ControllerEnable}), Identify, number of queues, Doorbell Buffer Config
 * ({@link AdminCommands}); I/O queue pairs on demand; resets asked for or started by the
 * {@link ControllerMonitor} ({@link ControllerReset}); detach.
 */
final class PcieController implements NvmeController {
    private static final Logger LOG = LoggerFactory.getLogger(PcieController.class);
    private final String name;
    private final AttachOptions options;
    private final VfioDevice device;
    private final ControllerRegisters registers;
    private final ControllerEnable enable;
    private final DmaMemory dma;
    private final AdminCommands admin;
    private final ControllerData data;
    private final List<NamespaceData> namespaces;
    private final QueuePairs queuePairs;
    private final DoorbellBuffer doorbellBuffer;
    private final AtomicReference<State> state = new AtomicReference<>(State.ENABLED);
    private final AtomicLong timeouts = new AtomicLong(), aborts = new AtomicLong();
    private final Consumer<PcieController> onClose;
    private final ControllerMonitor monitor;
    private final ControllerReset resets;
    private final RegisteredMappings registeredMemory;

    private PcieController(String name, AttachOptions options, VfioDevice device, Consumer<PcieController> onClose) {
        this.name = name;
        this.options = options;
        this.device = device;
        this.onClose = onClose;
        this.registeredMemory = new RegisteredMappings(device.container());
        this.registers = new ControllerRegisters(device.bar0());
        this.enable = new ControllerEnable(name, device, registers);
        this.monitor = new ControllerMonitor(this, registers, options.adminTimeoutMillis());
        this.dma = new DmaMemory(device.container(), name);
        enable.disable();
        AdminQueue queue = new AdminQueue(registers, dma);
        enable.enable();
        this.admin = new AdminCommands(name, device, queue, dma.allocate(DmaBuffer.PAGE, true),
                TimeUnit.MILLISECONDS.toNanos(options.adminTimeoutMillis()));
        this.data = IdentifyParser.controller(admin.identify(Nvme.CNS_CONTROLLER, 0), enable.capabilities(),
                registers.version());
        this.queuePairs = new QueuePairs(name, admin.negotiateQueues());
        this.namespaces = List.copyOf(admin.findNamespaces());
        DoorbellBuffer doorbells = null;
        if (options.shadowDoorbells() && data.doorbellBufferConfig()) {
            doorbells = new DoorbellBuffer(dma);
            if (!admin.configureDoorbellBuffer(doorbells)) {
                doorbells = null;
            }
        }
        this.doorbellBuffer = doorbells;
        this.resets = new ControllerReset(name, device, options, state, queuePairs.alive, enable, admin,
                doorbellBuffer, monitor);
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
                    c.namespaces.size(), c.queuePairs.granted(), c.doorbellBuffer != null ? ", shadow doorbells" : "",
                    options.noIommu() ? ", no-IOMMU mode" : "");
            return c;
        } catch (RuntimeException e) {
            try {
                if (c != null) {
                    c.releaseHardware(false);
                } else {
                    ControllerEnable.abandon(device);
                }
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
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
        int qid = queuePairs.reserve();
        int entries = Math.min(options.ioQueueEntries(), data.maxQueueEntries());
        if (device.container().noIommu()) {
            entries = Math.min(entries, hugePagesOk() ? entries : DmaBuffer.PAGE / Nvme.SQE_BYTES);
        }
        try {
            PcieQueuePair qp = new PcieQueuePair(this, qid, entries, dma, registers, doorbellBuffer,
                    data.maxTransferBytes(), TimeUnit.MILLISECONDS.toNanos(options.ioTimeoutMillis()));
            admin.createQueues(qp);
            queuePairs.alive.add(qp);
            return qp;
        } catch (RuntimeException e) {
            queuePairs.release(qid);
            throw e;
        }
    }

    /** Without the IOMMU a queue larger than a page needs hugepages to be physically contiguous. */
    private static boolean hugePagesOk() {
        try {
            return Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/vm/nr_hugepages")).trim()) > 0;
        } catch (java.io.IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Called by a pair's owner thread when it closes: deletes SQ, then CQ, and frees the pair's memory. */
    void deleteQueuePair(PcieQueuePair qp) {
        queuePairs.closed(qp);
        try {
            if (state.get() == State.ENABLED) {
                admin.deleteQueues(qp.id());
            }
        } catch (RuntimeException e) {
            LOG.warn("nvme {}: deleting queue pair {}: {}", name, qp.id(), e.getMessage());
        } finally {
            if (state.get() != State.DETACHED) {
                qp.releaseMemory();
            }
            queuePairs.release(qp.id());
        }
    }

    /** A pair saw a command outlive the timeout; the monitor aborts it. */
    void reportTimeout(int qid, int cid) {
        timeouts.incrementAndGet();
        monitor.reportTimeout(qid, cid);
    }

    /** For the monitor: whether command {@code cid} of queue {@code qid}, reported at {@code since}, is still out. */
    boolean stillOutstanding(int qid, int cid, long since) {
        return queuePairs.stillOutstanding(qid, cid, since);
    }

    /** Sends Abort for a timed-out command (the monitor's thread). */
    void abort(int qid, int cid) {
        aborts.incrementAndGet();
        admin.abort(qid, cid);
    }

    /** A reset the monitor started; its outcome is logged where it happened. */
    void resetFromMonitor() {
        try {
            resets.reset();
        } catch (NvmeDriverException e) {
            // logged where it happened; the controller is reconnecting or failed
        }
    }

    /** For the monitor: the next attempt of a failed reset, when it is due. */
    void reconnectIfDue(long now) {
        resets.reconnectIfDue(now);
    }

    @Override
    public void reset() {
        resets.reset();
    }

    @Override
    public void close() {
        State previous = state.getAndSet(State.DETACHED);
        if (previous == State.DETACHED) {
            return;
        }
        registeredMemory.close();
        // a reset attempt in progress holds the admin queue and DMA memory: let it end first
        boolean quiet = monitor.stop(enable.readyTimeoutNanos() / 1_000_000 + options.adminTimeoutMillis() + 5_000);
        for (PcieQueuePair qp : queuePairs.alive) {
            qp.handshake().fail();
        }
        for (PcieQueuePair qp : queuePairs.alive) {
            quiet &= qp.handshake().awaitFailed(TimeUnit.SECONDS.toNanos(5));
        }
        onClose.accept(this);
        if (!quiet) {
            // a pair's owner or a reset may still touch queue memory or doorbells: leaking beats a crash
            LOG.error("nvme {} ({}): a queue pair's owner or a reset in progress did not stop; its memory and the "
                    + "device stay mapped", name, device.address());
            return;
        }
        synchronized (resets) { // after a reset an operator asked for, which holds the lock while it runs
            releaseHardware(previous == State.ENABLED);
        }
        LOG.info("nvme {} ({}) detached", name, device.address());
    }

    /** Shutdown notification (when enabled), disable, bus mastering off, then memory and VFIO released. */
    private void releaseHardware(boolean shutdown) {
        try {
            enable.shutDown(shutdown);
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
        long[] data = queuePairs.dataCommands();
        return new ControllerCounters(timeouts.get(), aborts.get(), resets.resets.get(), resets.failedResets.get(),
                data[0], data[1]);
    }
}
