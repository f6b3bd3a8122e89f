package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostuser.internal.Protocol.*;

import io.jvhost.posix.EventFd;
import io.jvhost.posix.Fd;
import io.jvhost.memory.GuestMemory;
import io.jvhost.virtio.RingAreas;
import io.jvhost.virtio.VirtioFeatures;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's virtqueues: what the SET_VRING_* messages say about each, and when each starts and
 * stops on its reactor ({@link RingRunner}). A ring starts once it has memory, a size, addresses, a
 * kick (or the no-fd flag) and, with protocol features, is enabled. Session thread only; what a
 * running ring's reactor uses changes only by commands to that reactor.
 */
final class VringTable {
    /** Most queues a session tracks; QEMU never asks for more than the device offers. */
    private static final int MAX_VRINGS = 256;
    private final Vring[] vrings;
    private final RingRunner rings;
    private final Negotiation negotiation;
    private final MemoryTable memory;
    private final InflightRegion inflight;

    VringTable(int deviceQueues, RingRunner rings, Negotiation negotiation, MemoryTable memory,
            InflightRegion inflight) {
        this.inflight = inflight;
        this.vrings = new Vring[capacity(deviceQueues)];
        for (int i = 0; i < vrings.length; i++) {
            vrings[i] = new Vring(i);
        }
        this.rings = rings;
        this.negotiation = negotiation;
        this.memory = memory;
    }

    /** How many queues a session of a device with {@code deviceQueues} tracks. */
    static int capacity(int deviceQueues) {
        return Math.min(MAX_VRINGS, Math.max(1, deviceQueues));
    }

    int count() {
        return vrings.length;
    }

    /** SET_VRING_NUM: a power of two for split rings, up to 32768. */
    void setNum(int request, MemorySegment p) throws ProtocolException, RequestFailed {
        Vring v = state(request, p);
        int num = p.get(U32, 4);
        boolean packed = negotiation.has(VirtioFeatures.RING_PACKED);
        if (num < 1 || num > 32768 || (!packed && Integer.bitCount(num) != 1)) {
            throw new RequestFailed("queue " + v.index + ": size " + num + " is not "
                    + (packed ? "between 1 and 32768" : "a power of two up to 32768"));
        }
        requireStopped(v, request);
        v.num = num;
    }

    /** SET_VRING_ADDR: front-end addresses of the three ring parts, checked when memory and size are known. */
    void setAddr(int request, MemorySegment p) throws ProtocolException, RequestFailed {
        Payloads.expect(request, p, 40);
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

    /** SET_VRING_BASE: split rings use bits 0-15; packed rings all 32 (indices and wrap counters). */
    void setBase(int request, MemorySegment p) throws ProtocolException, RequestFailed {
        Vring v = state(request, p);
        requireStopped(v, request);
        v.base = p.get(U32, 4);
    }

    /** GET_VRING_BASE: stops the ring (in-flight requests finish first); returns the reply word. */
    long getBase(int request, MemorySegment p) throws ProtocolException {
        Vring v = state(request, p);
        rings.stop(v);
        if (v.kick != null && !v.stuck) {
            v.kick.close();
        }
        v.kick = null;
        v.kickPolled = false;
        return (long) v.base << 32 | (v.index & 0xFFFFFFFFL);
    }

    /** SET_VRING_ENABLE. */
    void setEnable(int request, MemorySegment p) throws ProtocolException {
        Vring v = state(request, p);
        v.enabled = p.get(U32, 4) != 0;
        if (v.enabled) {
            maybeStart(v);
        } else {
            rings.stop(v);
        }
    }

    /** SET_VRING_KICK, SET_VRING_CALL and SET_VRING_ERR: one eventfd, or the no-fd flag. */
    void setFd(int request, MemorySegment p, List<Fd> fds) throws ProtocolException {
        Payloads.expect(request, p, 8);
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
                rings.stop(v);
                if (v.kick != null && !v.stuck) {
                    v.kick.close();
                }
                v.kick = fd;
                v.kickPolled = noFd;
                maybeStart(v);
            }
            case SET_VRING_CALL -> setCall(v, fd);
            default -> {
                if (v.err != null) {
                    v.err.close();
                }
                v.err = fd;
            }
        }
    }

    /**
     * A running ring switches on its reactor; the old fd is closed there, after the switch, so the
     * reactor never signals a number the kernel may already have given to another file.
     */
    private static void setCall(Vring v, EventFd fd) {
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

    /** Stops every running ring and returns them, to start again on a new memory map. */
    List<Vring> stopRunning() {
        List<Vring> stopped = new ArrayList<>();
        for (Vring v : vrings) {
            if (v.running != null) {
                rings.stop(v);
                stopped.add(v);
            }
        }
        return stopped;
    }

    void restart(List<Vring> stopped) {
        stopped.forEach(this::maybeStart);
    }

    void stopAll() {
        for (Vring v : vrings) {
            rings.stop(v);
        }
    }

    /** RESET_OWNER / RESET_DEVICE: rings stop and forget what they were told. */
    void resetAll() {
        stopAll();
        for (Vring v : vrings) {
            v.closeFds();
            v.addressed = false;
            v.enabled = false;
            v.base = 0;
        }
    }

    void closeFds() {
        for (Vring v : vrings) {
            v.closeFds();
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

    private Vring state(int request, MemorySegment p) throws ProtocolException {
        Payloads.expect(request, p, 8);
        return vring(request, p.get(U32, 0));
    }

    private Vring vring(int request, long index) throws ProtocolException {
        if (index < 0 || index >= vrings.length) {
            throw new ProtocolException(name(request) + " for queue " + index + " (the device has " + vrings.length + ")");
        }
        return vrings[(int) index];
    }

    /**
     * Refuses a ring layout that cannot run (an area misaligned, outside guest memory or overlapping
     * another) as soon as it can be checked: memory and size known.
     */
    private void checkRingAddresses(Vring v, long desc, long used, long avail) throws RequestFailed {
        GuestMemory m = memory.current();
        if (m.regionCount() == 0 || v.num == 0) {
            return;
        }
        try {
            areas(v.num, desc, avail, used).translate(m);
        } catch (IllegalArgumentException e) {
            throw new RequestFailed("queue " + v.index + ": " + e.getMessage());
        }
    }

    private RingAreas areas(int num, long desc, long avail, long used) {
        return negotiation.has(VirtioFeatures.RING_PACKED) ? RingAreas.packed(num, desc, avail, used)
                : RingAreas.split(num, desc, avail, used);
    }

    /** The inflight region is set up before rings start and cannot change under a running one. */
    void requireAllStopped(int request) throws RequestFailed {
        for (Vring v : vrings) {
            requireStopped(v, request);
        }
    }

    private static void requireStopped(Vring v, int request) throws RequestFailed {
        if (v.running != null) {
            throw new RequestFailed(name(request) + " on queue " + v.index + " while it runs");
        }
    }

    /** Starts a ring once it has memory, addresses, a kick and (with protocol features) is enabled. */
    private void maybeStart(Vring v) {
        boolean enabled = v.enabled || negotiation.ringsStartEnabled();
        if (v.running == null && v.addressed && v.started() && enabled && v.num != 0
                && memory.current().regionCount() != 0 && negotiation.featuresSet()) {
            rings.start(v, memory.current(), negotiation.features(), inflight.forQueue(v.index, v.num));
        }
    }
}
