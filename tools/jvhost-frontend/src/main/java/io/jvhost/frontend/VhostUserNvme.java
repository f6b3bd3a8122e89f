package io.jvhost.frontend;

import io.jvhost.nvme.Cqe;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Sqe;
import io.jvhost.nvme.VhostNvme;
import io.jvhost.posix.EventFd;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The hypervisor's side of a vhost-user NVMe controller (admin forwarding, doorbell relay, CQ call
 * fds) plus a guest NVMe driver on top: I/O queues in guest RAM, PRPs, and doorbells written the
 * way Linux writes them, with the shadow doorbell EventIdx rule. Counts the doorbell writes a
 * hypervisor would have had to trap. One thread.
 */
public final class VhostUserNvme implements AutoCloseable {
    public final VhostUserFrontend frontend;
    private final VhostUserConnection c;
    public final GuestRam ram;
    /** Doorbell writes a hypervisor would have trapped (relayed with IO_CMD). */
    public long trappedDoorbells;
    private long shadowGpa = -1;
    private GuestRam bar;
    private long eventIdxGpa = -1;

    public VhostUserNvme(Path socket) throws IOException {
        frontend = VhostUserFrontend.connect(socket, new VhostUserFrontend.Setup(0, 0, 0, 64L << 20, false, false));
        c = frontend.connection();
        ram = frontend.ram();
    }

    public long capabilities() throws IOException {
        return VhostUserConnection.u64(c.call(VhostNvme.GET_CAP, new byte[0]));
    }

    public void enable(boolean on) {
        c.send(VhostNvme.START_STOP, 0, VhostUserConnection.u64(on ? 1 : 0));
    }

    /** An admin command; returns the reply (16-byte completion, then data). */
    public byte[] admin(int opcode, int nsid, int cdw10, int cdw11, long prp1, long prp2) throws IOException {
        byte[] sqe = new byte[Nvme.SQE_BYTES];
        Sqe.write(MemorySegment.ofArray(sqe), 0, opcode, 0x42, nsid, prp1, prp2, cdw10, cdw11, 0);
        return c.call(VhostNvme.ADMIN, sqe);
    }

    public static int status(byte[] reply) {
        return Cqe.status(MemorySegment.ofArray(reply), 0);
    }

    public static int dw0(byte[] reply) {
        return Cqe.dw0(MemorySegment.ofArray(reply), 0);
    }

    public void setCqCall(int cqid, EventFd fd) {
        c.send(VhostNvme.SET_CQ_CALL, 0, VhostUserConnection.u64(cqid), fd.fd());
    }

    /** Doorbell Buffer Config with freshly allocated shadow and EventIdx pages. */
    public byte[] configureShadowDoorbells() throws IOException {
        shadowGpa = ram.allocate(Nvme.PAGE, Nvme.PAGE);
        eventIdxGpa = ram.allocate(Nvme.PAGE, Nvme.PAGE);
        ram.at(shadowGpa, Nvme.PAGE).fill((byte) 0);
        ram.at(eventIdxGpa, Nvme.PAGE).fill((byte) 0);
        return admin(Nvme.ADMIN_DOORBELL_BUFFER_CONFIG, 0, 0, 0, shadowGpa, eventIdxGpa);
    }

    /**
     * Shares a BAR page with the controller (NVME_SET_BAR_MR), as a hypervisor that maps the doorbell
     * registers to memory does: doorbell writes then land there and are never trapped or relayed.
     */
    public void shareBar() {
        bar = new GuestRam(2 * Nvme.PAGE, 0xFEB00000L);
        bar.memory().fill((byte) 0);
        var r = bar.region();
        byte[] p = new byte[32];
        MemorySegment m = MemorySegment.ofArray(p);
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, r.guestPhysAddr());
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, r.size());
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, r.userAddr());
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, 24, r.mmapOffset());
        c.send(VhostNvme.SET_BAR_MR, 0, p, bar.fd().fd());
    }

    /** Forwards a 64-byte admin command as the hypervisor does; returns the completion and its data. */
    public byte[] forwardAdmin(byte[] sqe) throws IOException {
        return c.call(VhostNvme.ADMIN, sqe);
    }

    /** The driver side of queue pair {@code qid} that was created through the admin queue at these addresses. */
    public IoQueue attachQueuePair(int qid, int size, long sqGpa, long cqGpa) {
        IoQueue q = new IoQueue(qid, size, sqGpa, cqGpa);
        setCqCall(qid, q.call);
        return q;
    }

    /** A queue pair as the Linux driver sets one up: CQ, then SQ, both physically contiguous. */
    public IoQueue createQueuePair(int qid, int size) throws IOException {
        IoQueue q = new IoQueue(qid, size);
        int s = status(admin(Nvme.ADMIN_CREATE_CQ, 0, qid | (size - 1) << 16, 1 | 2, q.cqGpa, 0));
        if (s != Nvme.SUCCESS) {
            throw new IOException("create CQ " + qid + ": status 0x" + Integer.toHexString(s));
        }
        setCqCall(qid, q.call);
        s = status(admin(Nvme.ADMIN_CREATE_SQ, 0, qid | (size - 1) << 16, 1 | qid << 16, q.sqGpa, 0));
        if (s != Nvme.SUCCESS) {
            throw new IOException("create SQ " + qid + ": status 0x" + Integer.toHexString(s));
        }
        return q;
    }

    /** The driver side of one I/O queue pair. */
    public final class IoQueue {
        private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
        public final int qid;
        public final int size;
        final long sqGpa;
        final long cqGpa;
        public final EventFd call = EventFd.create();
        private long calls;
        private int sqTail;
        private int cqHead;
        private boolean phase = true;

        IoQueue(int qid, int size) {
            this(qid, size, ram.allocate((long) size * Nvme.SQE_BYTES, Nvme.PAGE),
                    ram.allocate((long) size * Nvme.CQE_BYTES, Nvme.PAGE));
        }

        IoQueue(int qid, int size, long sqGpa, long cqGpa) {
            this.qid = qid;
            this.size = size;
            this.sqGpa = sqGpa;
            this.cqGpa = cqGpa;
            ram.at(cqGpa, (long) size * Nvme.CQE_BYTES).fill((byte) 0);
        }

        /** Queues a command and rings (or, with shadow doorbells, maybe rings) the SQ tail doorbell. */
        public void submit(int opcode, int cid, int nsid, long prp1, long prp2, int cdw10, int cdw11, int cdw12) {
            Sqe.write(ram.memory(), ram.offset(sqGpa) + (long) sqTail * Nvme.SQE_BYTES, opcode, cid, nsid, prp1, prp2,
                    cdw10, cdw11, cdw12);
            advanceSqTail();
        }

        /**
         * Queues a command whose data is described by an SGL: SGL1 is a descriptor of {@code type}
         * (data block, segment, last segment) at {@code address} of {@code length} bytes.
         */
        public void submitSgl(int opcode, int cid, int nsid, long address, int length, int type, int cdw10, int cdw11,
                int cdw12) {
            long at = ram.offset(sqGpa) + (long) sqTail * Nvme.SQE_BYTES;
            Sqe.write(ram.memory(), at, opcode, cid, nsid, address, (length & 0xFFFFFFFFL) | (long) (type << 4) << 56,
                    cdw10, cdw11, cdw12);
            ram.memory().set(ValueLayout.JAVA_BYTE, at + Sqe.FLAGS, (byte) 0x40); // PSDT 01b: SGL for data
            advanceSqTail();
        }

        /** Queues a 64-byte command exactly as given (tests of hostile drivers) and rings the doorbell. */
        public void submitRaw(byte[] sqe) {
            if (sqe.length != Nvme.SQE_BYTES) {
                throw new IllegalArgumentException("a submission queue entry is " + Nvme.SQE_BYTES + " bytes, not "
                        + sqe.length);
            }
            MemorySegment.copy(sqe, 0, ram.memory(), ValueLayout.JAVA_BYTE, ram.offset(sqGpa)
                    + (long) sqTail * Nvme.SQE_BYTES, sqe.length);
            advanceSqTail();
        }

        /** Moves the SQ tail past the entry just written and rings (or, with shadow doorbells, maybe rings) it. */
        private void advanceSqTail() {
            int old = sqTail;
            sqTail = (sqTail + 1) % size;
            ring(2 * qid, 1, old, sqTail);
        }

        /** Writes an SGL descriptor at {@code gpa} (for lists). */
        public void sglDescriptor(long gpa, long address, int length, int type) {
            MemorySegment d = ram.at(gpa, 16);
            d.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, address);
            d.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, (length & 0xFFFFFFFFL) | (long) (type << 4) << 56);
        }

        /** Linux's nvme_dbbuf_update_and_check_event, then the (trapped) doorbell write if needed. */
        private void ring(int slot, int type, int old, int value) {
            if (bar != null && shadowGpa < 0) {
                // an MMIO write into the shared BAR: plain memory, nothing to trap
                U32.setRelease(bar.memory(), io.jvhost.nvme.Registers.DOORBELLS + 4L * slot, value);
                return;
            }
            if (shadowGpa >= 0) {
                MemorySegment m = ram.memory();
                U32.setRelease(m, ram.offset(shadowGpa) + 4L * slot, value);
                VarHandle.fullFence();
                int event = (int) U32.getAcquire(m, ram.offset(eventIdxGpa) + 4L * slot);
                if (((value - event - 1) & 0xFFFF) >= ((value - old) & 0xFFFF)) {
                    return;
                }
            }
            trappedDoorbells++;
            byte[] p = new byte[12];
            MemorySegment b = MemorySegment.ofArray(p);
            b.set(ValueLayout.JAVA_INT_UNALIGNED, 0, type == 1 ? VhostNvme.DOORBELL_SQ : VhostNvme.DOORBELL_CQ);
            b.set(ValueLayout.JAVA_INT_UNALIGNED, 4, qid);
            b.set(ValueLayout.JAVA_INT_UNALIGNED, 8, value);
            c.send(VhostNvme.IO_CMD, 0, p);
        }

        /** Interrupts the controller has signalled on this queue's CQ so far (drains the call eventfd). */
        public long calls() {
            calls += call.drain();
            return calls;
        }

        /** Reaps one completion if there is one: {cid, status}, or null. */
        public int[] reap() {
            MemorySegment m = ram.memory();
            long at = ram.offset(cqGpa) + (long) cqHead * Nvme.CQE_BYTES;
            VarHandle.acquireFence();
            if (Cqe.phase(m, at) != phase) {
                return null;
            }
            int[] done = {Cqe.cid(m, at), Cqe.status(m, at)};
            int old = cqHead;
            cqHead = (cqHead + 1) % size;
            if (cqHead == 0) {
                phase = !phase;
            }
            ring(2 * qid + 1, 2, old, cqHead);
            return done;
        }

        /** Waits for the completion of {@code cid}; returns its status. */
        public int await(int cid) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                int[] d = reap();
                if (d != null && d[0] == cid) {
                    return d[1];
                }
                Thread.onSpinWait();
            }
            throw new AssertionError("queue " + qid + ": command " + cid + " did not complete");
        }
    }

    @Override
    public void close() {
        frontend.close();
        if (bar != null) {
            bar.close();
        }
    }
}
