package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostuser.internal.Protocol.*;

import io.jvhost.posix.EventFd;
import io.jvhost.posix.Fd;
import io.jvhost.posix.UnixSocket;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.virtio.GuestMemory;
import io.jvhost.virtio.MemoryRegion;
import io.jvhost.virtio.VirtioFeatures;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One front-end connection: reads messages on its own thread, keeps the negotiated state and maps
 * guest memory; {@link RingRunner} puts its vrings on reactors. Any malformed message ends this
 * session only.
 */
final class Session implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    /** Most queues a session tracks; QEMU never asks for more than the device offers. */
    private static final int MAX_VRINGS = 256;

    private final String controller;
    private final UnixSocket socket;
    private final VhostUserDevice device;
    private final Runnable onEnd;
    private final RingRunner rings;
    private final Vring[] vrings;
    /** Confined to the session thread, so created in {@link #run()}. */
    private Arena arena;
    private MessageChannel channel;
    private GuestMemory memory = GuestMemory.empty();
    private long offeredFeatures;
    private long features;
    private boolean featuresSet;
    private long protocolFeatures;
    private long status;
    private volatile UnixSocket backendChannel;
    /** The device answered the message being handled with its own reply. */
    private boolean deviceReplied;

    /** Supplies the memory registry, if any, that guest memory is announced to for DMA without copies. */
    private final java.util.function.Supplier<io.jvhost.bdev.MemoryRegistry> memoryRegistry;
    private final List<io.jvhost.bdev.MemoryRegistry.Registration> registrations = new ArrayList<>();

    Session(String controller, UnixSocket socket, VhostUserDevice device, ReactorGroup reactors, CpuMask cpumask,
            Coalescing coalescing, java.util.function.Supplier<io.jvhost.bdev.MemoryRegistry> memoryRegistry,
            Runnable onEnd) {
        this.controller = controller;
        this.memoryRegistry = memoryRegistry;
        this.socket = socket;
        this.device = device;
        this.onEnd = onEnd;
        this.rings = new RingRunner(controller, device, reactors, cpumask, coalescing);
        this.vrings = new Vring[Math.min(MAX_VRINGS, Math.max(1, device.maxQueues()))];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i);
        }
        offeredFeatures = device.deviceFeatures() | VirtioFeatures.bit(VirtioFeatures.VERSION_1)
                | VirtioFeatures.bit(VirtioFeatures.PROTOCOL_FEATURES) | VirtioFeatures.bit(VirtioFeatures.RING_EVENT_IDX)
                | VirtioFeatures.bit(VirtioFeatures.RING_INDIRECT_DESC)
                | (device.offersPackedRing() ? VirtioFeatures.bit(VirtioFeatures.RING_PACKED) : 0);
    }

    @Override
    public void run() {
        arena = Arena.ofConfined();
        channel = new MessageChannel(socket, arena);
        String end = "front-end disconnected";
        try {
            while (readAndHandle()) {
                // one message per turn
            }
        } catch (ProtocolException e) {
            end = "closed the session: " + e.getMessage();
            LOG.warn("controller {}: {}", controller, end);
        } catch (IOException | RuntimeException e) {
            end = "closed the session after an error: " + e;
            LOG.warn("controller {}: {}", controller, end, e);
        } finally {
            teardown();
            LOG.info("controller {}: {}", controller, end);
            onEnd.run();
        }
    }

    /** Reads one message and handles it; false at a clean end of stream. */
    private boolean readAndHandle() throws IOException, ProtocolException {
        MessageChannel.Message m = channel.receive();
        if (m == null) {
            return false;
        }
        try {
            handle(m.request(), m.flags(), m.payload(), m.fds());
            return true;
        } finally {
            m.fds().forEach(Fd::close);
        }
    }

    private long offeredProtocolFeatures() {
        return device.servesConfigSpace() ? Protocol.PROTOCOL_FEATURES
                : Protocol.PROTOCOL_FEATURES & ~(1L << Protocol.PF_CONFIG);
    }

    private void handle(int request, int flags, MemorySegment p, List<Fd> fds) throws ProtocolException {
        boolean ack = (flags & FLAG_NEED_REPLY) != 0 && (protocolFeatures & (1L << PF_REPLY_ACK)) != 0
                && !Protocol.hasReply(request);
        if (LOG.isDebugEnabled()) {
            LOG.debug("controller {}: {} ({} bytes{})", controller, name(request), p.byteSize(),
                    p.byteSize() >= 8 ? ", first u64 0x" + Long.toHexString(p.get(U64, 0)) : "");
        }
        deviceReplied = false;
        try {
            dispatch(request, p, fds);
        } catch (RequestFailed e) {
            LOG.warn("controller {}: {} failed: {}", controller, name(request), e.getMessage());
            if (!ack) {
                throw new ProtocolException(name(request) + " failed: " + e.getMessage());
            }
            channel.replyU64(request, 1);
            return;
        }
        if (ack && !deviceReplied) {
            channel.replyU64(request, 0);
        }
    }

    /** A request that was well formed but could not be carried out. */
    private static final class RequestFailed extends Exception {
        private static final long serialVersionUID = 1L;

        RequestFailed(String message) {
            super(message);
        }
    }

    private void dispatch(int request, MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
        switch (request) {
            case GET_FEATURES -> {
                expect(request, p, 0);
                channel.replyU64(request, offeredFeatures);
            }
            case SET_FEATURES -> {
                expect(request, p, 8);
                long f = p.get(U64, 0);
                if ((f & ~offeredFeatures) != 0) {
                    throw new RequestFailed("features 0x" + Long.toHexString(f & ~offeredFeatures) + " were not offered");
                }
                features = f;
                featuresSet = true;
                device.featuresNegotiated(f);
            }
            case SET_OWNER -> expect(request, p, 0);
            case RESET_OWNER, RESET_DEVICE -> {
                stopAllRings();
                for (Vring v : vrings) {
                    v.closeFds();
                    v.addressed = false;
                    v.enabled = false;
                    v.base = 0;
                }
                features = 0;
                featuresSet = false;
                status = 0;
                device.sessionEnded();
            }
            case GET_PROTOCOL_FEATURES -> {
                expect(request, p, 0);
                channel.replyU64(request, offeredProtocolFeatures());
            }
            case SET_PROTOCOL_FEATURES -> {
                expect(request, p, 8);
                long pf = p.get(U64, 0);
                if ((pf & ~offeredProtocolFeatures()) != 0) {
                    throw new RequestFailed("protocol features 0x" + Long.toHexString(pf & ~offeredProtocolFeatures())
                            + " were not offered");
                }
                protocolFeatures = pf;
            }
            case GET_QUEUE_NUM -> {
                expect(request, p, 0);
                channel.replyU64(request, vrings.length);
            }
            case GET_MAX_MEM_SLOTS -> {
                expect(request, p, 0);
                channel.replyU64(request, MAX_MEM_SLOTS);
            }
            case SET_MEM_TABLE -> setMemTable(p, fds);
            case ADD_MEM_REG -> addMemReg(p, fds);
            case REM_MEM_REG -> removeMemReg(p);
            case SET_VRING_NUM -> {
                Vring v = vringState(request, p);
                int num = p.get(U32, 4);
                boolean packed = VirtioFeatures.has(features, VirtioFeatures.RING_PACKED);
                if (num < 1 || num > 32768 || (!packed && Integer.bitCount(num) != 1)) {
                    throw new RequestFailed("queue " + v.index + ": size " + num + " is not "
                            + (packed ? "between 1 and 32768" : "a power of two up to 32768"));
                }
                requireStopped(v, request);
                v.num = num;
            }
            case SET_VRING_ADDR -> {
                expect(request, p, 40);
                Vring v = vring(request, p.get(U32, 0));
                requireStopped(v, request);
                long desc = p.get(U64, 8), used = p.get(U64, 16), avail = p.get(U64, 24);
                checkRingAddresses(v, desc, used, avail);
                v.descAddr = desc;
                v.usedAddr = used;
                v.availAddr = avail;
                v.addressed = true;
                maybeStart(v);
            }
            case SET_VRING_BASE -> {
                Vring v = vringState(request, p);
                requireStopped(v, request);
                // split rings use bits 0-15; packed rings all 32 (indices and wrap counters)
                v.base = p.get(U32, 4);
            }
            case GET_VRING_BASE -> {
                Vring v = vringState(request, p);
                stopRing(v);
                if (v.kick != null && !v.stuck) {
                    v.kick.close();
                }
                v.kick = null;
                v.kickPolled = false;
                channel.replyU64(request, (long) v.base << 32 | (v.index & 0xFFFFFFFFL));
            }
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> setVringFd(request, p, fds);
            case SET_VRING_ENABLE -> {
                Vring v = vringState(request, p);
                v.enabled = p.get(U32, 4) != 0;
                if (v.enabled) {
                    maybeStart(v);
                } else {
                    stopRing(v);
                }
            }
            case SET_BACKEND_REQ_FD -> {
                expect(request, p, 0);
                if (fds.size() != 1) {
                    throw new ProtocolException("SET_BACKEND_REQ_FD without exactly one descriptor");
                }
                UnixSocket old = backendChannel;
                backendChannel = UnixSocket.adopt(fds.remove(0).release(), "back-end channel of " + controller);
                if (old != null) {
                    old.close();
                }
            }
            case GET_CONFIG -> getConfig(request, p);
            case SET_CONFIG -> {
                int offset = configHeader(request, p);
                byte[] data = p.asSlice(12, p.get(U32, 4)).toArray(ValueLayout.JAVA_BYTE);
                try {
                    device.writeConfig(offset, data);
                } catch (IllegalArgumentException e) {
                    throw new RequestFailed("SET_CONFIG: " + e.getMessage());
                }
            }
            case SET_STATUS -> {
                expect(request, p, 8);
                status = p.get(U64, 0);
            }
            case GET_STATUS -> {
                expect(request, p, 0);
                channel.replyU64(request, status);
            }
            default -> {
                if (!device.handlesMessage(request)) {
                    throw new ProtocolException("unsupported " + name(request) + " (" + request + ")");
                }
                byte[] r;
                try {
                    r = device.deviceMessage(request, p, fds);
                } catch (IllegalArgumentException e) {
                    throw new RequestFailed(e.getMessage());
                }
                if (r != null) {
                    channel.reply(request, MemorySegment.ofArray(r));
                    deviceReplied = true; // the reply is the answer: no REPLY_ACK on top
                }
            }
        }
    }

    private static void expect(int request, MemorySegment p, long size) throws ProtocolException {
        if (p.byteSize() != size) {
            throw new ProtocolException(name(request) + " with a " + p.byteSize() + "-byte payload (expected " + size + ")");
        }
    }

    private Vring vringState(int request, MemorySegment p) throws ProtocolException {
        expect(request, p, 8);
        return vring(request, p.get(U32, 0));
    }

    private Vring vring(int request, long index) throws ProtocolException {
        if (index < 0 || index >= vrings.length) {
            throw new ProtocolException(name(request) + " for queue " + index + " (the device has " + vrings.length + ")");
        }
        return vrings[(int) index];
    }

    /** Refuses ring addresses outside guest memory as soon as they can be checked (memory and size known). */
    private void checkRingAddresses(Vring v, long desc, long used, long avail) throws RequestFailed {
        if (memory.regionCount() == 0 || v.num == 0) {
            return;
        }
        boolean packed = VirtioFeatures.has(features, VirtioFeatures.RING_PACKED);
        long availBytes = packed ? 4 : 6 + 2L * v.num;
        long usedBytes = packed ? 4 : 6 + 8L * v.num;
        if (memory.translateUser(desc, 16L * v.num) < 0 || memory.translateUser(avail, availBytes) < 0
                || memory.translateUser(used, usedBytes) < 0) {
            throw new RequestFailed("queue " + v.index + ": ring addresses (desc 0x" + Long.toHexString(desc)
                    + ", avail 0x" + Long.toHexString(avail) + ", used 0x" + Long.toHexString(used)
                    + ") are not inside guest memory");
        }
    }

    private static void requireStopped(Vring v, int request) throws RequestFailed {
        if (v.running != null) {
            throw new RequestFailed(name(request) + " on queue " + v.index + " while it runs");
        }
    }

    private void setVringFd(int request, MemorySegment p, List<Fd> fds) throws ProtocolException {
        expect(request, p, 8);
        long word = p.get(U64, 0);
        Vring v = vring(request, word & VRING_INDEX_MASK);
        boolean noFd = (word & VRING_NOFD) != 0;
        if (noFd != fds.isEmpty() || fds.size() > 1) {
            throw new ProtocolException(name(request) + " for queue " + v.index + " with " + fds.size()
                    + " descriptors and the no-fd flag " + (noFd ? "set" : "clear"));
        }
        EventFd fd = noFd ? null : new EventFd(fds.remove(0).release());
        switch (request) {
            case SET_VRING_KICK -> {
                stopRing(v);
                if (v.kick != null && !v.stuck) {
                    v.kick.close();
                }
                v.kick = fd;
                v.kickPolled = noFd;
                maybeStart(v);
            }
            case SET_VRING_CALL -> {
                EventFd old = v.call;
                v.call = fd;
                VringPoller running = v.running;
                if (running != null) {
                    running.reactor().execute(() -> {
                        running.queue().setCall(fd);
                        // QEMU unmasks (switches call fds) while the driver already runs: an interrupt
                        // sent to the old fd in between is lost, so tell the driver to look once more
                        running.queue().interrupt();
                        if (old != null) {
                            old.close();
                        }
                    });
                } else if (old != null) {
                    old.close();
                }
            }
            default -> {
                if (v.err != null) {
                    v.err.close();
                }
                v.err = fd;
            }
        }
    }

    private void setMemTable(MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
        if (p.byteSize() < 8) {
            throw new ProtocolException("SET_MEM_TABLE shorter than its header");
        }
        int n = p.get(U32, 0);
        if (n < 0 || n > 8 || p.byteSize() != 8 + 32L * n) {
            throw new ProtocolException("SET_MEM_TABLE with " + n + " regions in a " + p.byteSize() + "-byte payload");
        }
        if (fds.size() != n) {
            throw new ProtocolException("SET_MEM_TABLE with " + n + " regions but " + fds.size() + " descriptors");
        }
        List<MemoryRegion> regions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            regions.add(region(p, 8 + 32L * i));
        }
        GuestMemory mapped;
        try {
            mapped = GuestMemory.map(regions, fds);
        } catch (RuntimeException e) {
            throw new RequestFailed("cannot map guest memory: " + e.getMessage());
        }
        replaceMemory(mapped);
    }

    private static MemoryRegion region(MemorySegment p, long at) {
        return new MemoryRegion(p.get(U64, at), p.get(U64, at + 8), p.get(U64, at + 16), p.get(U64, at + 24));
    }

    private void addMemReg(MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
        expect(ADD_MEM_REG, p, 40);
        if (fds.size() != 1) {
            throw new ProtocolException("ADD_MEM_REG with " + fds.size() + " descriptors (expected 1)");
        }
        try {
            replaceMemory(memory.with(region(p, 8), fds.get(0)));
        } catch (IllegalArgumentException | io.jvhost.posix.NativeException e) {
            throw new RequestFailed("cannot add memory region: " + e.getMessage());
        }
    }

    private void removeMemReg(MemorySegment p) throws ProtocolException, RequestFailed {
        expect(REM_MEM_REG, p, 40);
        try {
            replaceMemory(memory.without(region(p, 8)));
        } catch (IllegalArgumentException e) {
            throw new RequestFailed(e.getMessage());
        }
    }

    /** Announces the guest's regions (queues are stopped, so no I/O is in flight on the old ones). */
    private void registerMemory(GuestMemory m) {
        io.jvhost.bdev.MemoryRegistry registry = memoryRegistry.get();
        if (registry == null) {
            return;
        }
        for (int i = 0; i < m.regionCount(); i++) {
            registrations.add(registry.register(m.view(i), "vhost controller " + controller));
        }
    }

    private void unregisterMemory() {
        registrations.forEach(io.jvhost.bdev.MemoryRegistry.Registration::close);
        registrations.clear();
    }

    /** Stops running rings, swaps the map, restarts them on the new one; the old map is unmapped after. */
    private void replaceMemory(GuestMemory next) {
        List<Vring> restart = new ArrayList<>();
        for (Vring v : vrings) {
            if (v.running != null) {
                stopRing(v);
                restart.add(v);
            }
        }
        GuestMemory old = memory;
        device.memoryReleasing();
        unregisterMemory();
        memory = next;
        registerMemory(next);
        device.memoryMapped(next);
        if (!rings.leftRunning()) {
            old.close();
        }
        for (Vring v : restart) {
            maybeStart(v);
        }
    }

    private int configHeader(int request, MemorySegment p) throws ProtocolException {
        if (p.byteSize() < 12) {
            throw new ProtocolException(name(request) + " shorter than its header");
        }
        int offset = p.get(U32, 0);
        int size = p.get(U32, 4);
        if (offset < 0 || size < 0 || size > MAX_CONFIG_SIZE || offset > MAX_CONFIG_SIZE - size
                || p.byteSize() != 12L + size) {
            throw new ProtocolException(name(request) + " for " + Integer.toUnsignedString(size) + " bytes at offset "
                    + Integer.toUnsignedString(offset) + " in a " + p.byteSize() + "-byte payload");
        }
        return offset;
    }

    private void getConfig(int request, MemorySegment p) throws ProtocolException {
        int offset = configHeader(request, p);
        int size = p.get(U32, 4);
        byte[] data = new byte[size];
        device.readConfig(offset, data);
        MemorySegment reply = MemorySegment.ofArray(new byte[12 + size]);
        MemorySegment.copy(p, 0, reply, 0, 12);
        MemorySegment.copy(data, 0, reply, ValueLayout.JAVA_BYTE, 12, size);
        channel.reply(request, reply);
    }

    /** Starts a ring once it has memory, addresses, a kick and (with protocol features) is enabled. */
    private void maybeStart(Vring v) {
        boolean enabled = v.enabled || (features & VirtioFeatures.bit(VirtioFeatures.PROTOCOL_FEATURES)) == 0;
        if (v.running == null && v.addressed && v.started() && enabled && v.num != 0 && memory.regionCount() != 0
                && featuresSet) {
            rings.start(v, memory, features);
        }
    }

    private void stopRing(Vring v) {
        rings.stop(v);
    }

    private void stopAllRings() {
        for (Vring v : vrings) {
            stopRing(v);
        }
    }

    private void teardown() {
        stopAllRings();
        for (Vring v : vrings) {
            v.closeFds();
        }
        device.memoryReleasing();
        unregisterMemory();
        if (!rings.leftRunning()) {
            memory.close();
        }
        memory = GuestMemory.empty();
        UnixSocket b = backendChannel;
        backendChannel = null;
        if (b != null) {
            b.close();
        }
        socket.close();
        arena.close();
        device.sessionEnded();
    }

    /** Tells the front-end the config space changed (capacity, for one), if it gave us a channel. */
    void notifyConfigChange() {
        UnixSocket b = backendChannel;
        if (b == null || (protocolFeatures & (1L << PF_BACKEND_REQ)) == 0) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(HEADER_SIZE, 8);
            m.set(U32, 0, BACKEND_CONFIG_CHANGE_MSG);
            m.set(U32, 4, VERSION);
            m.set(U32, 8, 0);
            b.send(m, HEADER_SIZE);
        } catch (RuntimeException e) {
            LOG.warn("controller {}: could not send a config-change message: {}", controller, e.getMessage());
        }
    }

    /** Requests completed per queue, for statistics (any thread; approximate). */
    long[] completedPerQueue() {
        long[] out = new long[vrings.length];
        for (int i = 0; i < vrings.length; i++) {
            out[i] = vrings[i].completed();
        }
        return out;
    }

    void shutdown() {
        socket.shutdown();
    }
}
