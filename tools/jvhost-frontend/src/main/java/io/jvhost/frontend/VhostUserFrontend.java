package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.frontend.VhostUserConnection.u64;
import static io.jvhost.frontend.VhostUserConnection.vringState;
import static io.jvhost.frontend.VhostUserMessages.*;

import io.jvhost.posix.UnixSocket;
import io.jvhost.memory.MemoryRegion;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The hypervisor's side of a vhost-user device of any type, in QEMU's message order: negotiates
 * features and protocol features, optionally reads config space, shares guest RAM and starts
 * driver rings. Device front-ends ({@link VhostUserBlkDisk}, tests for other device types) build
 * their requests on the rings it returns.
 */
public final class VhostUserFrontend implements AutoCloseable {
    static final long VERSION_1 = 1L << 32, PROTOCOL_FEATURES = 1L << 30, EVENT_IDX = 1L << 29,
            RING_PACKED = 1L << 34;
    private static final long WANTED_PROTOCOL = (1L << PF_MQ) | (1L << PF_REPLY_ACK) | (1L << PF_CONFIG)
            | (1L << PF_BACKEND_REQ);
    /** Back-end to front-end message: the config space changed. */
    private static final int BACKEND_CONFIG_CHANGE_MSG = 2;

    /**
     * What to negotiate.
     *
     * @param deviceFeatures device feature bits the driver accepts (those offered are taken)
     * @param configBytes config space bytes to read at connect time (0: none; the back-end must then
     *     not be required to offer the CONFIG protocol feature)
     * @param queues queues the driver will start (at most what the back-end offers)
     * @param ramBytes guest RAM to share
     * @param eventIdx negotiate VIRTIO_RING_F_EVENT_IDX when offered
     * @param packed use packed virtqueues; the back-end must offer them
     */
    public record Setup(long deviceFeatures, int configBytes, int queues, long ramBytes, boolean eventIdx,
            boolean packed) {
    }

    private final VhostUserConnection connection;
    private final GuestRam ram;
    private final long features;
    private final long protocolFeatures;
    private final int backendQueues;
    private final byte[] config;
    private final List<DriverRing> rings = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger configChanges = new java.util.concurrent.atomic.AtomicInteger();
    private UnixSocket backendChannel;
    private volatile Runnable onConfigChange;

    private VhostUserFrontend(VhostUserConnection c, GuestRam ram, long features, long protocolFeatures,
            int backendQueues, byte[] config) {
        this.connection = c;
        this.ram = ram;
        this.features = features;
        this.protocolFeatures = protocolFeatures;
        this.backendQueues = backendQueues;
        this.config = config;
    }

    /** Connects to {@code socket} and sets the device up as far as its memory table; then start rings. */
    public static VhostUserFrontend connect(Path socket, Setup s) throws IOException {
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
            if (s.configBytes() > 0 && (pf & (1L << PF_CONFIG)) == 0) {
                throw new IOException("back-end at " + socket + " does not offer the CONFIG protocol feature");
            }
            int backendQueues = (pf & (1L << PF_MQ)) != 0 ? (int) u64(c.call(GET_QUEUE_NUM, new byte[0])) : 1;
            if (s.queues() > backendQueues) {
                throw new IOException("back-end at " + socket + " serves " + backendQueues + " queues; " + s.queues()
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
            byte[] config = new byte[0];
            if (s.configBytes() > 0) {
                byte[] cfg = new byte[12 + s.configBytes()];
                MemorySegment.ofArray(cfg).set(U32, 4, s.configBytes());
                byte[] reply = c.call(GET_CONFIG, cfg);
                if (reply.length != cfg.length) {
                    throw new IOException("GET_CONFIG answered " + reply.length + " bytes, expected " + cfg.length);
                }
                config = java.util.Arrays.copyOfRange(reply, 12, reply.length);
            }
            long want = VERSION_1 | PROTOCOL_FEATURES | s.deviceFeatures() | (s.eventIdx() ? EVENT_IDX : 0);
            if (s.packed() && (offered & RING_PACKED) == 0) {
                throw new IOException("back-end at " + socket + " does not offer packed virtqueues");
            }
            long features = (offered & want) | (s.packed() ? RING_PACKED : 0);
            ack(c, pf, SET_FEATURES, u64(features));
            ram = new GuestRam(s.ramBytes());
            ack(c, pf, SET_MEM_TABLE, memoryTable(ram), ram.fd().fd());
            VhostUserFrontend f = new VhostUserFrontend(c, ram, features, pf, backendQueues, config);
            if (channel != null) {
                f.listenToBackend(channel);
            }
            return f;
        } catch (IOException | RuntimeException e) {
            c.close();
            if (ram != null) {
                ram.close();
            }
            throw e;
        }
    }

    /** A SET_MEM_TABLE payload with {@code ram}'s one region. */
    private static byte[] memoryTable(GuestRam ram) {
        MemoryRegion r = ram.region();
        byte[] table = new byte[8 + 32];
        MemorySegment t = MemorySegment.ofArray(table);
        t.set(U32, 0, 1);
        t.set(U64, 8, r.guestPhysAddr());
        t.set(U64, 16, r.size());
        t.set(U64, 24, r.userAddr());
        t.set(U64, 32, r.mmapOffset());
        return table;
    }

    /**
     * Sends the memory table again, as QEMU does when the guest's memory layout changes: the
     * back-end maps it anew while rings keep running (acknowledged when REPLY_ACK was agreed).
     */
    public void resendMemoryTable() throws IOException {
        ack(connection, protocolFeatures, SET_MEM_TABLE, memoryTable(ram), ram.fd().fd());
    }

    /** SET_VRING_CALL: queue {@code q} interrupts through {@code fd} from now on (acknowledged). */
    public void setCall(int q, io.jvhost.posix.EventFd fd) throws IOException {
        ack(connection, protocolFeatures, SET_VRING_CALL, u64(q), fd.fd());
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
                        Runnable r = onConfigChange;
                        if (r != null) {
                            r.run();
                        }
                    }
                }
            } catch (IOException | RuntimeException closed) {
                // the device was closed or the back-end went away
            }
        }, "vhost-user-backend-channel");
        t.setDaemon(true);
        t.start();
    }

    /** Runs {@code action} on the back-end channel's thread after each config-change notice. */
    public void onConfigChange(Runnable action) {
        onConfigChange = action;
    }

    /** Config-change notices the back-end sent (e.g. after a bdev resize). */
    public int configChanges() {
        return configChanges.get();
    }

    /** Creates ring {@code q} in guest RAM and starts it on the back-end (NUM, BASE, ADDR, KICK, CALL, ENABLE). */
    public DriverRing startRing(int q, int size) throws IOException {
        return startRing(q, size, DriverQueue.DEFAULT_MAX_CHAIN);
    }

    /** As {@link #startRing(int, int)}, for requests of up to {@code maxChain} buffers. */
    public DriverRing startRing(int q, int size, int maxChain) throws IOException {
        DriverRing ring = (features & RING_PACKED) != 0 ? new DriverPackedQueue(ram, q, size, maxChain)
                : new DriverQueue(ram, q, size, (features & EVENT_IDX) != 0, maxChain);
        ack(connection, protocolFeatures, SET_VRING_NUM, vringState(q, size));
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
        rings.add(ring);
        return ring;
    }

    /** Stops queue {@code q} the way QEMU does (disable, GET_VRING_BASE); returns the back-end's next index. */
    public int stopRing(int q) throws IOException {
        ack(connection, protocolFeatures, SET_VRING_ENABLE, vringState(q, 0));
        byte[] r = connection.call(GET_VRING_BASE, vringState(q, 0));
        return MemorySegment.ofArray(r).get(U32, 4);
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

    public long protocolFeatures() {
        return protocolFeatures;
    }

    /** Config space as read at connect time (empty when none was asked for). */
    public byte[] config() {
        return config.clone();
    }

    /** Reads {@code bytes} of config space anew (e.g. after a config-change notice). */
    public byte[] readConfig(int bytes) throws IOException {
        byte[] cfg = new byte[12 + bytes];
        MemorySegment.ofArray(cfg).set(U32, 4, bytes);
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
        for (DriverRing r : rings) {
            r.close();
        }
        ram.close();
    }
}
