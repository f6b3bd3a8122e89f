package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A vhost-user-blk disk driven the way QEMU and a guest kernel drive it: connects, negotiates
 * features and protocol features, reads the config space, shares guest RAM, starts the queues and
 * then serves requests through {@link BlkQueue}s.
 */
public final class VhostUserBlkDisk implements AutoCloseable {
    /** Bytes of virtio-blk config space read (up to the write-zeroes limits). */
    public static final int CONFIG_BYTES = 60;

    /**
     * How to connect.
     *
     * @param queues queues to start (at most what the back-end offers)
     * @param queueSize descriptors per queue (power of two)
     * @param slots request slots per queue (at most queueSize / 3): the most requests in flight
     * @param slotBytes data buffer per slot
     * @param eventIdx negotiate VIRTIO_RING_F_EVENT_IDX when offered
     * @param packed use packed virtqueues; the back-end must offer them
     */
    public record Options(int queues, int queueSize, int slots, int slotBytes, boolean eventIdx, boolean packed) {
        public static Options defaults() {
            return new Options(1, 256, 64, 128 * 1024, true, false);
        }

        public Options withQueues(int n) {
            return new Options(n, queueSize, slots, slotBytes, eventIdx, packed);
        }

        public Options withSlots(int n, int bytes) {
            return new Options(queues, queueSize, n, bytes, eventIdx, packed);
        }

        public Options withEventIdx(boolean on) {
            return new Options(queues, queueSize, slots, slotBytes, on, packed);
        }

        /** Use packed virtqueues (the back-end must offer VIRTIO_F_RING_PACKED). */
        public Options withPacked(boolean on) {
            return new Options(queues, queueSize, slots, slotBytes, eventIdx, on);
        }

        long ramBytes() {
            long perQueue = 40L * queueSize + 8192 + (long) slots * (slotBytes + 4096 + 64);
            return ((queues * perQueue + (1 << 20)) + 0xFFFFF) & ~0xFFFFFL;
        }
    }

    private final VhostUserFrontend frontend;
    private final List<BlkQueue> queues = new ArrayList<>();

    private VhostUserBlkDisk(VhostUserFrontend frontend) {
        this.frontend = frontend;
    }

    /** Connects to {@code socket} and starts {@code o.queues()} queues, in QEMU's message order. */
    public static VhostUserBlkDisk connect(Path socket, Options o) throws IOException {
        long blkFeatures = (1L << BlkRequests.F_SEG_MAX) | (1L << BlkRequests.F_BLK_SIZE)
                | (1L << BlkRequests.F_FLUSH) | (1L << BlkRequests.F_DISCARD) | (1L << BlkRequests.F_WRITE_ZEROES)
                | (1L << BlkRequests.F_MQ) | (1L << BlkRequests.F_SIZE_MAX) | (1L << BlkRequests.F_TOPOLOGY)
                | (1L << BlkRequests.F_RO);
        VhostUserFrontend f = VhostUserFrontend.connect(socket, new VhostUserFrontend.Setup(blkFeatures, CONFIG_BYTES,
                o.queues(), o.ramBytes(), o.eventIdx(), o.packed()));
        VhostUserBlkDisk disk = new VhostUserBlkDisk(f);
        try {
            for (int q = 0; q < o.queues(); q++) {
                disk.queues.add(new BlkQueue(f.ram(), f.startRing(q, o.queueSize()), o.slots(), o.slotBytes()));
            }
            return disk;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Config-change notices the back-end sent (e.g. after a bdev resize). */
    public int configChanges() {
        return frontend.configChanges();
    }

    /** Stops queue {@code q} the way QEMU does (disable, GET_VRING_BASE); returns the back-end's next index. */
    public int stopQueue(int q) throws IOException {
        return frontend.stopRing(q);
    }

    /** The vhost-user session underneath (memory table, vring fds). */
    public VhostUserFrontend frontend() {
        return frontend;
    }

    public BlkQueue queue(int i) {
        return queues.get(i);
    }

    public int queueCount() {
        return queues.size();
    }

    /** How many queues the back-end offers (GET_QUEUE_NUM). */
    public int backendQueues() {
        return frontend.backendQueues();
    }

    public long features() {
        return frontend.features();
    }

    public boolean hasFeature(int bit) {
        return frontend.hasFeature(bit);
    }

    /** Config space as read at connect time. */
    public byte[] config() {
        return frontend.config();
    }

    /** Capacity in 512-byte sectors, from the config space. */
    public long capacitySectors() {
        return MemorySegment.ofArray(frontend.config()).get(U64, 0);
    }

    /** The logical block size from config space (512 unless BLK_SIZE was negotiated). */
    public int blockSize() {
        return hasFeature(BlkRequests.F_BLK_SIZE) ? MemorySegment.ofArray(frontend.config()).get(U32, 20) : 512;
    }

    /** Reads config space anew (e.g. after a config-change notice). */
    public byte[] readConfig() throws IOException {
        return frontend.readConfig(CONFIG_BYTES);
    }

    public GuestRam ram() {
        return frontend.ram();
    }

    public VhostUserConnection connection() {
        return frontend.connection();
    }

    /** Disconnects (as a VM that goes away) and frees guest RAM. */
    @Override
    public void close() {
        frontend.close();
    }
}
