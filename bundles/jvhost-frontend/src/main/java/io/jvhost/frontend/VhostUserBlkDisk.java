package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.frontend.VhostUserConnection.u64;
import static io.jvhost.frontend.VhostUserConnection.vringState;
import static io.jvhost.frontend.VhostUserMessages.*;

import io.jvhost.posix.UnixSocket;
import io.jvhost.virtio.MemoryRegion;
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
    private static final long VERSION_1 = 1L << 32, PROTOCOL_FEATURES = 1L << 30, EVENT_IDX = 1L << 29,
            RING_PACKED = 1L << 34;
    private static final long WANTED_PROTOCOL = (1L << PF_MQ) | (1L << PF_REPLY_ACK) | (1L << PF_CONFIG)
            | (1L << PF_BACKEND_REQ);
    /** Back-end to front-end message: the config space changed. */
    private static final int BACKEND_CONFIG_CHANGE_MSG = 2;
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

    private final VhostUserConnection connection;
    private final GuestRam ram;
    private final long features;
    private final long protocolFeatures;
    private final int backendQueues;
    private final byte[] config;
    private final List<BlkQueue> queues = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger configChanges = new java.util.concurrent.atomic.AtomicInteger();
    private UnixSocket backendChannel;

    private VhostUserBlkDisk(VhostUserConnection c, GuestRam ram, long features, long protocolFeatures, int backendQueues,
            byte[] config) {
        this.connection = c;
        this.ram = ram;
        this.features = features;
        this.protocolFeatures = protocolFeatures;
        this.backendQueues = backendQueues;
        this.config = config;
    }

    /** Connects to {@code socket} and starts {@code o.queues()} queues, in QEMU's message order. */
    public static VhostUserBlkDisk connect(Path socket, Options o) throws IOException {
        VhostUserConnection c = VhostUserConnection.connect(socket);
        GuestRam ram = null;
        try {
            long offered = u64(c.call(GET_FEATURES, new byte[0]));
            if ((offered & VERSION_1) == 0 || (offered & PROTOCOL_FEATURES) == 0) {
                throw new IOException("back-end at " + socket + " offers features 0x" + Long.toHexString(offered)
                        + " without VERSION_1 or PROTOCOL_FEATURES");
            }
            long pf = u64(c.call(GET_PROTOCOL_FEATURES, new byte[0])) & WANTED_PROTOCOL;
            c.send(SET_PROTOCOL_FEATURES, 0, u64(pf));
            if ((pf & (1L << PF_CONFIG)) == 0) {
                throw new IOException("back-end at " + socket + " does not offer the CONFIG protocol feature");
            }
            int backendQueues = (pf & (1L << PF_MQ)) != 0 ? (int) u64(c.call(GET_QUEUE_NUM, new byte[0])) : 1;
            if (o.queues() > backendQueues) {
                throw new IOException("back-end at " + socket + " serves " + backendQueues + " queues; " + o.queues()
                        + " were asked for");
            }
            c.send(SET_OWNER, 0, new byte[0]);
            UnixSocket channel = null;
            if ((pf & (1L << PF_BACKEND_REQ)) != 0) {
                // the back-end's channel to us, for config-change notices (as QEMU sets it up)
                UnixSocket[] pair = UnixSocket.pair();
                try {
                    ack(c, pf, SET_BACKEND_REQ_FD, new byte[0], pair[1].fd());
                } finally {
                    pair[1].close();
                }
                channel = pair[0];
            }
            byte[] cfg = new byte[12 + CONFIG_BYTES];
            MemorySegment.ofArray(cfg).set(U32, 4, CONFIG_BYTES);
            byte[] reply = c.call(GET_CONFIG, cfg);
            if (reply.length != cfg.length) {
                throw new IOException("GET_CONFIG answered " + reply.length + " bytes, expected " + cfg.length);
            }
            byte[] config = java.util.Arrays.copyOfRange(reply, 12, reply.length);
            long blkFeatures = (1L << BlkRequests.F_SEG_MAX) | (1L << BlkRequests.F_BLK_SIZE)
                    | (1L << BlkRequests.F_FLUSH) | (1L << BlkRequests.F_DISCARD) | (1L << BlkRequests.F_WRITE_ZEROES)
                    | (1L << BlkRequests.F_MQ) | (1L << BlkRequests.F_SIZE_MAX) | (1L << BlkRequests.F_TOPOLOGY)
                    | (1L << BlkRequests.F_RO);
            long want = VERSION_1 | PROTOCOL_FEATURES | blkFeatures | (o.eventIdx() ? EVENT_IDX : 0);
            if (o.packed() && (offered & RING_PACKED) == 0) {
                throw new IOException("back-end at " + socket + " does not offer packed virtqueues");
            }
            long features = (offered & want) | (o.packed() ? RING_PACKED : 0);
            ack(c, pf, SET_FEATURES, u64(features));
            ram = new GuestRam(o.ramBytes());
            MemoryRegion r = ram.region();
            byte[] table = new byte[8 + 32];
            MemorySegment t = MemorySegment.ofArray(table);
            t.set(U32, 0, 1);
            t.set(U64, 8, r.guestPhysAddr());
            t.set(U64, 16, r.size());
            t.set(U64, 24, r.userAddr());
            t.set(U64, 32, r.mmapOffset());
            ack(c, pf, SET_MEM_TABLE, table, ram.fd().fd());
            VhostUserBlkDisk disk = new VhostUserBlkDisk(c, ram, features, pf, backendQueues, config);
            if (channel != null) {
                disk.listenToBackend(channel);
            }
            for (int q = 0; q < o.queues(); q++) {
                disk.startQueue(q, o);
            }
            return disk;
        } catch (IOException | RuntimeException e) {
            c.close();
            if (ram != null) {
                ram.close();
            }
            throw e;
        }
    }

    /** Sends a message that has no reply of its own, asking for an ack when REPLY_ACK was agreed. */
    private static void ack(VhostUserConnection c, long pf, int request, byte[] payload, int... fds) throws IOException {
        if ((pf & (1L << PF_REPLY_ACK)) != 0) {
            long r = c.callAck(request, payload, fds);
            if (r != 0) {
                throw new IOException("back-end refused message " + request + " (ack " + r + ")");
            }
        } else {
            c.send(request, 0, payload, fds);
        }
    }

    /** Reads the back-end's messages on its own thread, as QEMU's event loop would. */
    private void listenToBackend(UnixSocket channel) {
        backendChannel = channel;
        Thread t = new Thread(() -> {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment header = arena.allocate(12);
                while (channel.receiveFully(header, 12)) {
                    int request = header.get(U32, 0);
                    int size = header.get(U32, 8);
                    if (size > 0) {
                        channel.receiveFully(arena.allocate(size), size);
                    }
                    if (request == BACKEND_CONFIG_CHANGE_MSG) {
                        configChanges.incrementAndGet();
                    }
                }
            } catch (IOException | RuntimeException closed) {
                // the disk was closed or the back-end went away
            }
        }, "vhost-user-backend-channel");
        t.setDaemon(true);
        t.start();
    }

    /** Config-change notices the back-end sent (e.g. after a bdev resize). */
    public int configChanges() {
        return configChanges.get();
    }

    private void startQueue(int q, Options o) throws IOException {
        DriverRing ring = (features & RING_PACKED) != 0 ? new DriverPackedQueue(ram, q, o.queueSize())
                : new DriverQueue(ram, q, o.queueSize(), (features & EVENT_IDX) != 0);
        BlkQueue bq = new BlkQueue(ram, ring, o.slots(), o.slotBytes());
        ack(connection, protocolFeatures, SET_VRING_NUM, vringState(q, o.queueSize()));
        ack(connection, protocolFeatures, SET_VRING_BASE, vringState(q, ring.initialBase()));
        byte[] addr = new byte[40];
        MemorySegment a = MemorySegment.ofArray(addr);
        a.set(U32, 0, q);
        a.set(U64, 8, ram.userAddress(ring.descGpa()));
        a.set(U64, 16, ram.userAddress(ring.deviceAreaGpa()));
        a.set(U64, 24, ram.userAddress(ring.driverAreaGpa()));
        ack(connection, protocolFeatures, SET_VRING_ADDR, addr);
        ack(connection, protocolFeatures, SET_VRING_KICK, u64(q), ring.kickFd().fd());
        ack(connection, protocolFeatures, SET_VRING_CALL, u64(q), ring.callFd().fd());
        ack(connection, protocolFeatures, SET_VRING_ENABLE, vringState(q, 1));
        queues.add(bq);
    }

    /** Stops queue {@code q} the way QEMU does (disable, GET_VRING_BASE); returns the back-end's next index. */
    public int stopQueue(int q) throws IOException {
        ack(connection, protocolFeatures, SET_VRING_ENABLE, vringState(q, 0));
        byte[] r = connection.call(GET_VRING_BASE, vringState(q, 0));
        return MemorySegment.ofArray(r).get(U32, 4);
    }

    public BlkQueue queue(int i) {
        return queues.get(i);
    }

    public int queueCount() {
        return queues.size();
    }

    /** How many queues the back-end offers (GET_QUEUE_NUM). */
    public int backendQueues() {
        return backendQueues;
    }

    public long features() {
        return features;
    }

    public boolean hasFeature(int bit) {
        return (features & (1L << bit)) != 0;
    }

    /** Config space as read at connect time. */
    public byte[] config() {
        return config.clone();
    }

    /** Capacity in 512-byte sectors, from the config space. */
    public long capacitySectors() {
        return MemorySegment.ofArray(config).get(U64, 0);
    }

    /** The logical block size from config space (512 unless BLK_SIZE was negotiated). */
    public int blockSize() {
        return hasFeature(BlkRequests.F_BLK_SIZE) ? MemorySegment.ofArray(config).get(U32, 20) : 512;
    }

    /** Reads config space anew (e.g. after a config-change notice). */
    public byte[] readConfig() throws IOException {
        byte[] cfg = new byte[12 + CONFIG_BYTES];
        MemorySegment.ofArray(cfg).set(U32, 4, CONFIG_BYTES);
        byte[] reply = connection.call(GET_CONFIG, cfg);
        return java.util.Arrays.copyOfRange(reply, 12, reply.length);
    }

    public GuestRam ram() {
        return ram;
    }

    public VhostUserConnection connection() {
        return connection;
    }

    /** Disconnects (as a VM that goes away) and frees guest RAM. */
    @Override
    public void close() {
        connection.close();
        if (backendChannel != null) {
            backendChannel.shutdown();
            backendChannel.close();
        }
        for (BlkQueue q : queues) {
            q.ring().close();
        }
        ram.close();
    }
}
