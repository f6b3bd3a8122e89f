package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostuser.internal.Protocol.GET_INFLIGHT_FD;
import static io.jvhost.vhostuser.internal.Protocol.INFLIGHT_PAYLOAD;
import static io.jvhost.vhostuser.internal.Protocol.SET_INFLIGHT_FD;

import io.jvhost.posix.Fd;
import io.jvhost.posix.Memory;
import io.jvhost.posix.NativeException;
import io.jvhost.posix.Posix;
import io.jvhost.virtio.SplitInflight;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's inflight region (vhost-user.rst, "Inflight I/O tracking"): shared memory the
 * back-end creates on GET_INFLIGHT_FD and the front-end keeps, and hands back with SET_INFLIGHT_FD
 * after the back-end restarted, in which each split queue records the requests it took and has not
 * returned. The memfd is sealed against shrinking, so a front-end cannot turn an access into
 * SIGBUS; a region handed back that is not sealed, of the wrong size, or laid out for another ring
 * is refused and its queues start clean. Packed rings are not tracked: GET_INFLIGHT_FD answers with
 * an empty region for them, which tells QEMU to go on without one. Session thread only.
 */
final class InflightRegion {
    private static final Logger LOG = LoggerFactory.getLogger(InflightRegion.class);
    private final int maxQueues;
    private final String controller;
    private final LogLimit logLimit;
    private MemorySegment mapping;
    private int queues;
    private int queueSize;

    /** @param maxQueues the most queues the session has: a region for more is refused */
    InflightRegion(String controller, int maxQueues, LogLimit logLimit) {
        this.maxQueues = maxQueues;
        this.controller = controller;
        this.logLimit = logLimit;
    }

    /** The reply to GET_INFLIGHT_FD: a fresh region, formatted, and its memfd (null for an empty answer). */
    record Answer(MemorySegment payload, Fd fd) {
    }

    /** GET_INFLIGHT_FD: a new region for {num_queues, queue_size}, replacing any earlier one. */
    Answer create(MemorySegment p, boolean packed) throws ProtocolException, RequestFailed {
        Payloads.expect(GET_INFLIGHT_FD, p, INFLIGHT_PAYLOAD);
        int nq = p.get(U16, 16) & 0xFFFF;
        int qs = p.get(U16, 18) & 0xFFFF;
        check(GET_INFLIGHT_FD, nq, qs);
        MemorySegment reply = MemorySegment.ofArray(new byte[INFLIGHT_PAYLOAD]);
        reply.set(U16, 16, (short) nq);
        reply.set(U16, 18, (short) qs);
        if (packed) {
            return new Answer(reply, null); // mmap_size 0: the front-end runs without a region
        }
        long size = nq * SplitInflight.regionSize(qs);
        Fd fd = Memory.sealedMemfd("jvhost-inflight-" + controller, size);
        try {
            adopt(Memory.mapShared(fd.fd(), size), nq, qs);
            for (int q = 0; q < nq; q++) {
                SplitInflight.format(queue(q), qs);
            }
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
        reply.set(U64, 0, size);
        return new Answer(reply, fd);
    }

    /**
     * SET_INFLIGHT_FD: the front-end's region, as an earlier GET_INFLIGHT_FD (of this process or of
     * the one before a restart) made it. One that does not fit is refused with a log line and the
     * rings start clean; the session goes on.
     */
    void set(MemorySegment p, List<Fd> fds) throws ProtocolException {
        Payloads.expect(SET_INFLIGHT_FD, p, INFLIGHT_PAYLOAD);
        if (fds.size() != 1) {
            throw new ProtocolException("SET_INFLIGHT_FD with " + fds.size() + " descriptors (expected 1)");
        }
        long size = p.get(U64, 0);
        long offset = p.get(U64, 8);
        int nq = p.get(U16, 16) & 0xFFFF;
        int qs = p.get(U16, 18) & 0xFFFF;
        int fd = fds.get(0).fd();
        release();
        try {
            check(SET_INFLIGHT_FD, nq, qs);
            if (size != nq * SplitInflight.regionSize(qs)) {
                throw new RequestFailed("SET_INFLIGHT_FD of " + size + " bytes for " + nq + " queues of " + qs
                        + " entries (" + nq * SplitInflight.regionSize(qs) + " expected)");
            }
            if (offset < 0 || (offset & 4095) != 0 || Posix.lseek(fd, 0, Posix.SEEK_END) - offset < size) {
                throw new RequestFailed("SET_INFLIGHT_FD: the file is smaller than " + size + " bytes at offset " + offset);
            }
            if ((Posix.fcntl(fd, Memory.F_GET_SEALS, 0) & Memory.F_SEAL_SHRINK) == 0) {
                throw new RequestFailed("SET_INFLIGHT_FD: the file is not sealed against shrinking (not a region"
                        + " this target made)");
            }
            adopt(Memory.mmap(size, Memory.PROT_READ | Memory.PROT_WRITE, Memory.MAP_SHARED, fd, offset), nq, qs);
        } catch (RequestFailed | NativeException e) {
            logLimit.warn(LOG, "controller {}: inflight region refused: {}; its queues start clean, and requests in"
                    + " flight before a restart are those QEMU replays{}", controller, e.getMessage());
        }
    }

    /**
     * Queue {@code index}'s part of the region for a ring of {@code size} entries, or null: no region,
     * or one made for other rings (then the queue runs untracked, said once in the log).
     */
    MemorySegment forQueue(int index, int size) {
        if (mapping == null || index >= queues) {
            return null;
        }
        if (size != queueSize) {
            logLimit.warn(LOG, "controller {} queue {}: the inflight region is for rings of {} entries, this one has"
                    + " {}; it runs without one{}", controller, index, queueSize, size);
            return null;
        }
        return queue(index);
    }

    /** Unmaps the region (call once no ring uses it); the front-end keeps its own copy. */
    void release() {
        if (mapping != null) {
            Memory.munmap(mapping);
            mapping = null;
            queues = 0;
            queueSize = 0;
        }
    }

    private MemorySegment queue(int q) {
        long each = SplitInflight.regionSize(queueSize);
        return mapping.asSlice(q * each, each);
    }

    private void adopt(MemorySegment m, int nq, int qs) {
        mapping = m;
        queues = nq;
        queueSize = qs;
    }

    private void check(int request, int nq, int qs) throws RequestFailed {
        if (nq < 1 || nq > maxQueues || qs < 1 || qs > 32768 || Integer.bitCount(qs) != 1) {
            throw new RequestFailed(Protocol.name(request) + " for " + nq + " queues of " + qs
                    + " entries (1 to " + maxQueues + " queues of a power of two up to 32768)");
        }
    }
}
