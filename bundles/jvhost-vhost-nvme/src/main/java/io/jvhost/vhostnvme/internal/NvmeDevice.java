package io.jvhost.vhostnvme.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.VhostNvme;
import io.jvhost.posix.EventFd;
import io.jvhost.posix.Fd;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.vhostuser.VhostController;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.vhostnvme.spi.DoorbellBufferHandler;
import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An NVMe controller behind the vhost-user NVMe messages (the reference target's 80-85): the
 * hypervisor emulates BAR0 and the admin queue and forwards admin commands here; the I/O queues live
 * in guest memory and are polled on reactors ({@link IoQueues}). Namespaces are bdevs. Messages and
 * admin commands run on the session thread under this object's lock; namespaces are {@link Namespaces}.
 */
final class NvmeDevice implements VhostUserDevice {
    private static final Logger LOG = LoggerFactory.getLogger(NvmeDevice.class);
    static final int MAX_QUEUE_ENTRIES = 1024;

    private final String name;
    private final int ioQueues;
    private final String serial;
    /** Bdevs as namespaces; reactors look them up per command. */
    final Namespaces namespaces;
    private final IoQueues queues;
    private final Doorbells doorbells;
    private volatile VhostController owner;
    private boolean enabled;
    private boolean writeCache = true;
    private int arbitration;
    private int coalescing;

    NvmeDevice(String name, BdevRegistry bdevs, ReactorGroup reactors, CpuMask cpumask, int ioQueues,
            Supplier<DoorbellBufferHandler> doorbellHandler) {
        this.name = name;
        this.ioQueues = ioQueues;
        this.serial = Integer.toHexString(name.hashCode() & 0x7FFFFFFF) + "JV";
        this.doorbells = new Doorbells(doorbellHandler);
        this.queues = new IoQueues(this, reactors, cpumask, ioQueues);
        this.namespaces = new Namespaces(name, bdevs, this, queues, () -> owner);
    }

    String name() {
        return name;
    }

    int ioQueues() {
        return ioQueues;
    }

    void attach(VhostController c) {
        owner = c;
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
        return request >= VhostNvme.ADMIN && request <= VhostNvme.SET_BAR_MR;
    }

    @Override
    public synchronized byte[] deviceMessage(int request, MemorySegment p, List<Fd> fds) {
        switch (request) {
            case VhostNvme.GET_CAP -> {
                return u64(Nvme.capabilities(MAX_QUEUE_ENTRIES, 15));
            }
            case VhostNvme.START_STOP -> {
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
            case VhostNvme.SET_CQ_CALL -> {
                require(p, 8);
                long v = p.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                boolean noFd = (v & 0x100) != 0 || fds.isEmpty();
                queues.setCall((int) (v & 0xFF), noFd ? null : new EventFd(fds.get(0).release()));
                return null;
            }
            case VhostNvme.IO_CMD -> {
                require(p, 12);
                queues.relayDoorbell(p.get(ValueLayout.JAVA_INT_UNALIGNED, 0), p.get(ValueLayout.JAVA_INT_UNALIGNED, 4),
                        p.get(ValueLayout.JAVA_INT_UNALIGNED, 8));
                return null;
            }
            case VhostNvme.ADMIN -> {
                require(p, Nvme.SQE_BYTES);
                return new Admin(this).execute(p);
            }
            default -> { // SET_BAR_MR
                BarDoorbells old = doorbells.replaceBar(BarDoorbells.map(p, fds, ioQueues));
                queues.useDoorbells(doorbells.current(queues.memory())); // every queue left the old page
                if (old != null) {
                    old.close();
                }
                return null;
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

    @Override
    public synchronized void memoryMapped(GuestMemory m) {
        queues.memoryMapped(m, doorbells.current(m));
    }

    @Override
    public synchronized void memoryReleasing() {
        queues.memoryReleasing();
    }

    @Override
    public synchronized void sessionEnded() {
        reset();
        enabled = false;
        BarDoorbells bar = doorbells.replaceBar(null); // the next hypervisor brings its own BAR
        if (bar != null) {
            bar.close();
        }
    }

    /** Controller reset: every I/O queue deleted, shadow doorbells forgotten. */
    private void reset() {
        queues.reset();
        doorbells.forgetShadow();
    }

    // --- used by Admin, under this object's lock ---

    IoQueues queues() {
        return queues;
    }

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
        queues.setCoalescing(v);
    }

    /** Whether Doorbell Buffer Config is offered (the shadow doorbell bundle is present). */
    boolean offersDoorbellBuffer() {
        return doorbells.offersBuffer();
    }

    /** Doorbell Buffer Config: the shadow doorbell and EventIdx pages; returns an NVMe status. */
    int configureDoorbells(long shadow, long eventIdx) {
        if (!doorbells.offersBuffer()) {
            return Nvme.INVALID_OPCODE | Nvme.DNR;
        }
        if ((shadow & (Nvme.PAGE - 1)) != 0 || (eventIdx & (Nvme.PAGE - 1)) != 0
                || !doorbells.configure(queues.memory(), shadow, eventIdx)) {
            return Nvme.INVALID_FIELD | Nvme.DNR;
        }
        queues.useDoorbells(doorbells.current(queues.memory()));
        return Nvme.SUCCESS;
    }

    /** The controller was deleted: no front-end is connected any more. */
    synchronized void close() {
        queues.close();
        doorbells.forgetShadow();
        namespaces.closeAll();
        BarDoorbells bar = doorbells.replaceBar(null);
        if (bar != null) {
            bar.close();
        }
    }
}
