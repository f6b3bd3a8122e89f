package io.jvhost.vhostblk.internal;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostblk.internal.BlkSpec.*;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevEventListener;
import io.jvhost.bdev.BdevRegistry;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.reactor.Reactor;
import io.jvhost.vhostuser.DeviceQueue;
import io.jvhost.vhostuser.QueueContext;
import io.jvhost.vhostuser.VhostController;
import io.jvhost.vhostuser.VhostUserDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-blk device over one bdev: features and config space from the bdev, one
 * {@link BlkQueue} per running virtqueue. A hot-removed bdev makes every request fail with IOERR and
 * the capacity read as 0; a resize is announced to the front-end.
 */
final class BlkDevice implements VhostUserDevice, BdevEventListener {
    private static final Logger LOG = LoggerFactory.getLogger(BlkDevice.class);

    private final String controller;
    private final BdevDescriptor descriptor;
    private final Bdev bdev;
    private final boolean readOnly;
    private final int maxQueues;
    private final boolean packedRing;
    private final Set<BlkQueue> queues = ConcurrentHashMap.newKeySet();
    private final byte[] id;
    private volatile boolean removed;
    private volatile VhostController owner;

    BlkDevice(String controller, BdevRegistry registry, String bdevName, boolean readOnly, int maxQueues,
            boolean packedRing) {
        this.controller = controller;
        this.readOnly = readOnly;
        this.maxQueues = maxQueues;
        this.packedRing = packedRing;
        // shared write claim: one bdev may back several controllers, as in SPDK
        this.descriptor = registry.open(bdevName, readOnly ? OpenMode.READ_ONLY : OpenMode.WRITE_SHARED,
                "vhost-blk " + controller, this);
        this.bdev = descriptor.bdev();
        byte[] name = bdev.name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.id = java.util.Arrays.copyOf(name, Math.min(ID_BYTES, name.length));
    }

    void attach(VhostController c) {
        owner = c;
    }

    Bdev bdev() {
        return bdev;
    }

    boolean readOnly() {
        return readOnly;
    }

    boolean removed() {
        return removed;
    }

    byte[] id() {
        return id;
    }

    @Override
    public long deviceFeatures() {
        long f = (1L << F_SIZE_MAX) | (1L << F_SEG_MAX) | (1L << F_BLK_SIZE) | (1L << F_TOPOLOGY) | (1L << F_MQ);
        if (bdev.supports(IoType.FLUSH)) {
            f |= 1L << F_FLUSH;
        }
        if (readOnly) {
            f |= 1L << F_RO;
        } else {
            if (bdev.supports(IoType.UNMAP)) {
                f |= 1L << F_DISCARD;
            }
            if (bdev.supports(IoType.WRITE_ZEROES)) {
                f |= 1L << F_WRITE_ZEROES;
            }
        }
        return f;
    }

    /** Queues share nothing but the bdev, so several VMs may drive one disk (a shared-disk cluster). */
    @Override
    public boolean servesSeveralFrontEnds() {
        return true;
    }

    @Override
    public int maxQueues() {
        return maxQueues;
    }

    @Override
    public boolean offersPackedRing() {
        return packedRing;
    }

    @Override
    public void readConfig(int offset, byte[] out) {
        byte[] cfg = new byte[Math.max(CFG_SIZE, offset + out.length)];
        MemorySegment s = MemorySegment.ofArray(cfg);
        int bs = bdev.blockSize();
        s.set(U64, CFG_CAPACITY, removed ? 0 : bdev.blockCount() * bs / SECTOR);
        s.set(U32, CFG_SIZE_MAX, SIZE_MAX);
        s.set(U32, CFG_SEG_MAX, SEG_MAX);
        s.set(U32, CFG_BLK_SIZE, bs);
        s.set(ValueLayout.JAVA_BYTE, CFG_PHYS_BLOCK_EXP, (byte) 0);
        s.set(U16, CFG_MIN_IO_SIZE, (short) 1);
        s.set(U32, CFG_OPT_IO_SIZE, bdev.optimalIoBoundary());
        s.set(U16, CFG_NUM_QUEUES, (short) maxQueues);
        int rangeSectors = MAX_RANGE_SECTORS;
        s.set(U32, CFG_MAX_DISCARD_SECTORS, rangeSectors);
        s.set(U32, CFG_MAX_DISCARD_SEG, 1);
        s.set(U32, CFG_DISCARD_ALIGN, bs / SECTOR);
        s.set(U32, CFG_MAX_WZ_SECTORS, rangeSectors);
        s.set(U32, CFG_MAX_WZ_SEG, 1);
        s.set(ValueLayout.JAVA_BYTE, CFG_WZ_MAY_UNMAP, (byte) (bdev.supports(IoType.UNMAP) ? 1 : 0));
        System.arraycopy(cfg, offset, out, 0, out.length);
    }

    @Override
    public DeviceQueue openQueue(int index, QueueContext context, Reactor reactor) {
        BlkQueue q = new BlkQueue(this, context, removed ? null : descriptor.channel(reactor), reactor);
        queues.add(q);
        return q;
    }

    void queueClosed(BlkQueue q) {
        queues.remove(q);
    }

    /** Control thread: the bdev is going away; queues let go of their channels, then we close. */
    @Override
    public void removed(Bdev b) {
        removed = true;
        LOG.warn("controller {}: bdev {} was removed; requests now fail with IOERR", controller, b.name());
        CountDownLatch released = new CountDownLatch(queues.size());
        for (BlkQueue q : queues) {
            try {
                q.reactor().execute(() -> q.releaseChannel(released::countDown));
            } catch (RuntimeException stopped) {
                released.countDown();
            }
        }
        try {
            if (!released.await(30, TimeUnit.SECONDS)) {
                LOG.error("controller {}: queues did not release bdev {} within 30 s", controller, b.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        descriptor.close();
        notifyConfigChange();
    }

    @Override
    public void resized(Bdev b, long oldBlockCount, long newBlockCount) {
        LOG.info("controller {}: bdev {} resized from {} to {} blocks", controller, b.name(), oldBlockCount,
                newBlockCount);
        notifyConfigChange();
    }

    private void notifyConfigChange() {
        VhostController c = owner;
        if (c != null) {
            c.notifyConfigChange();
        }
    }

    /** The controller was deleted: every queue already stopped. */
    void close() {
        if (!removed) {
            descriptor.close();
        }
    }
}
