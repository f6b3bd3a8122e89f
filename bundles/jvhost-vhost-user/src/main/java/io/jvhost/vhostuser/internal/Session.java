package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostuser.internal.Payloads.expect;
import static io.jvhost.vhostuser.internal.Protocol.*;

import io.jvhost.memory.MemoryRegistry;
import io.jvhost.posix.Fd;
import io.jvhost.posix.UnixSocket;
import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.memory.GuestMemory;
import io.jvhost.virtio.VirtioFeatures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One front-end connection: reads messages on its own thread and routes each to the part that owns
 * its state: {@link Negotiation} (features, protocol features, status), {@link MemoryTable} (the
 * guest memory map), {@link VringTable} (virtqueues on reactors), {@link BackendChannel}, the
 * {@link ConfigSpace}, and the device for its own messages. Any malformed message ends this
 * session only. The {@link InflightRegion} (crash recovery) is one such part; dirty logging
 * (migration) belongs beside them as another.
 */
final class Session implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final String controller;
    private final int number;
    private final LogLimit logLimit;
    private final UnixSocket socket;
    private final VhostUserDevice device;
    private final Runnable onEnd;
    private final RingRunner rings;
    private final Negotiation negotiation;
    private final MemoryTable memory;
    private final VringTable vrings;
    private final BackendChannel backend;
    private final InflightRegion inflight;
    private final ConfigSpace config;
    /** Confined to the session thread, so created in {@link #run()}. */
    private Arena arena;
    private MessageChannel channel;
    /** The device answered the message being handled with its own reply. */
    private boolean deviceReplied;
    /** An exception that ended the session but is not a protocol error: a bug (tests and fuzzing read it). */
    private volatile RuntimeException unexpected;

    /**
     * @param number which front-end connection of {@code controller} this is (1, 2, ...), named in the
     *        logs of its queues so that an operator can tell a reconnected guest's errors apart
     */
    Session(String controller, int number, UnixSocket socket, VhostUserDevice device, ReactorGroup reactors,
            CpuMask cpumask, Coalescing coalescing, Supplier<MemoryRegistry> memoryRegistry, LogLimit logLimit,
            Runnable onEnd) {
        this.controller = controller;
        this.logLimit = logLimit;
        this.number = number;
        this.socket = socket;
        this.device = device;
        this.onEnd = onEnd;
        this.rings = new RingRunner(controller, number, device, reactors, cpumask, coalescing, logLimit);
        this.negotiation = new Negotiation(device);
        this.memory = new MemoryTable(controller, memoryRegistry);
        this.inflight = new InflightRegion(controller, VringTable.capacity(device.maxQueues()), logLimit);
        this.vrings = new VringTable(device.maxQueues(), rings, negotiation, memory, inflight);
        this.backend = new BackendChannel(controller);
        this.config = new ConfigSpace(device);
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
            warn(end, null);
        } catch (UncheckedIOException e) {
            end = "closed the session: " + e.getCause().getMessage();
            warn(end, null);
        } catch (RuntimeException e) {
            unexpected = e;
            end = "closed the session after an error: " + e;
            warn(end, e);
        } catch (IOException e) {
            end = "closed the session after an error: " + e;
            warn(end, e);
        } finally {
            teardown();
            LOG.info("controller {} session {}: {}", controller, number, end);
            onEnd.run();
        }
    }

    /** A warning the front-end caused, within the controller's {@link LogLimit}. */
    private void warn(String what, Throwable cause) {
        if (cause == null) {
            logLimit.warn(LOG, "controller {} session {}: {}{}", controller, number, what);
        } else {
            logLimit.warn(LOG, cause, "controller {} session {}: {}{}", controller, number, what);
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

    private void handle(int request, int flags, MemorySegment p, List<Fd> fds) throws ProtocolException {
        boolean ack = negotiation.wantsAck(request, flags);
        if (LOG.isDebugEnabled()) {
            LOG.debug("controller {}: {} ({} bytes{})", controller, name(request), p.byteSize(),
                    p.byteSize() >= 8 ? ", first u64 0x" + Long.toHexString(p.get(U64, 0)) : "");
        }
        deviceReplied = false;
        try {
            dispatch(request, p, fds);
        } catch (RequestFailed e) {
            warn(name(request) + " failed: " + e.getMessage(), null);
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

    private void dispatch(int request, MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
        switch (request) {
            case GET_FEATURES -> replyU64(request, p, negotiation.offeredFeatures());
            case SET_FEATURES -> {
                expect(request, p, 8);
                negotiation.setFeatures(p.get(U64, 0));
                device.featuresNegotiated(negotiation.features());
            }
            case SET_OWNER -> expect(request, p, 0);
            case RESET_OWNER, RESET_DEVICE -> {
                vrings.resetAll();
                negotiation.resetDevice();
                device.sessionEnded();
            }
            case GET_PROTOCOL_FEATURES -> replyU64(request, p, negotiation.offeredProtocolFeatures());
            case SET_PROTOCOL_FEATURES -> {
                expect(request, p, 8);
                negotiation.setProtocolFeatures(p.get(U64, 0));
            }
            case GET_QUEUE_NUM -> replyU64(request, p, vrings.count());
            case GET_MAX_MEM_SLOTS -> replyU64(request, p, MAX_MEM_SLOTS);
            case SET_MEM_TABLE -> replaceMemory(memory.decodeTable(p, fds));
            case ADD_MEM_REG -> replaceMemory(memory.decodeAdd(p, fds));
            case REM_MEM_REG -> replaceMemory(memory.decodeRemove(p));
            case SET_VRING_NUM -> vrings.setNum(request, p);
            case SET_VRING_ADDR -> vrings.setAddr(request, p);
            case SET_VRING_BASE -> vrings.setBase(request, p);
            case GET_VRING_BASE -> channel.replyU64(request, vrings.getBase(request, p));
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> vrings.setFd(request, p, fds);
            case SET_VRING_ENABLE -> vrings.setEnable(request, p);
            case SET_BACKEND_REQ_FD -> {
                expect(request, p, 0);
                if (fds.size() != 1) {
                    throw new ProtocolException("SET_BACKEND_REQ_FD without exactly one descriptor");
                }
                backend.adopt(fds.remove(0).release());
            }
            case GET_INFLIGHT_FD -> getInflight(request, p);
            case SET_INFLIGHT_FD -> {
                vrings.requireAllStopped(request);
                inflight.set(p, fds);
            }
            case GET_CONFIG -> channel.reply(request, config.read(request, p));
            case SET_CONFIG -> config.write(request, p);
            case SET_STATUS -> {
                expect(request, p, 8);
                negotiation.setStatus(p.get(U64, 0));
            }
            case GET_STATUS -> replyU64(request, p, negotiation.status());
            default -> deviceMessage(request, p, fds);
        }
    }

    /** GET_INFLIGHT_FD: a new region (rings stopped), answered with its memfd. */
    private void getInflight(int request, MemorySegment p) throws ProtocolException, RequestFailed {
        vrings.requireAllStopped(request);
        InflightRegion.Answer a = inflight.create(p, negotiation.has(VirtioFeatures.RING_PACKED));
        if (a.fd() == null) {
            channel.reply(request, a.payload());
            return;
        }
        try {
            channel.reply(request, a.payload(), a.fd().fd());
        } finally {
            a.fd().close();
        }
    }

    /** A query without payload answered with one u64. */
    private void replyU64(int request, MemorySegment p, long value) throws ProtocolException {
        expect(request, p, 0);
        channel.replyU64(request, value);
    }

    /** A message of the device type's own (vhost-nvme's 80-85). */
    private void deviceMessage(int request, MemorySegment p, List<Fd> fds) throws ProtocolException, RequestFailed {
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

    /** Stops running rings, swaps the map, restarts them on the new one; the old map is unmapped after. */
    private void replaceMemory(GuestMemory next) {
        List<Vring> restart = vrings.stopRunning();
        device.memoryReleasing();
        GuestMemory old = memory.swap(next);
        device.memoryMapped(next);
        if (!rings.leftRunning()) {
            old.close();
        }
        vrings.restart(restart);
    }

    private void teardown() {
        vrings.stopAll();
        vrings.closeFds();
        device.memoryReleasing();
        memory.withdraw();
        GuestMemory last = memory.swap(GuestMemory.empty());
        if (!rings.leftRunning()) {
            last.close();
            inflight.release();
        }
        backend.close();
        socket.close();
        arena.close();
        device.sessionEnded();
    }

    /** Tells the front-end the config space changed (capacity, for one), if it gave us a channel. */
    void notifyConfigChange() {
        if (negotiation.hasProtocol(PF_BACKEND_REQ)) {
            backend.notifyConfigChange();
        }
    }

    /** Requests completed per queue, for statistics (any thread; approximate). */
    long[] completedPerQueue() {
        return vrings.completedPerQueue();
    }

    /** The exception, other than a protocol error or the connection failing, that ended the session; or null. */
    RuntimeException unexpectedFailure() {
        return unexpected;
    }

    void shutdown() {
        socket.shutdown();
    }
}
