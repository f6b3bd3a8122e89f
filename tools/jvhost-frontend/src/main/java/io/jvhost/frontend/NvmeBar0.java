package io.jvhost.frontend;

import io.jvhost.nvme.Cqe;
import io.jvhost.nvme.Nvme;
import io.jvhost.nvme.Registers;
import io.jvhost.nvme.Sqe;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The hypervisor's emulation of an NVMe controller's BAR0 in front of a vhost-user NVMe target, as
 * the reference target's QEMU side did it: CAP comes from the target, CC.EN starts and stops it, the
 * admin queue lives in guest memory and the hypervisor executes it by forwarding each command
 * (NVME_ADMIN) and writing the completion - and Identify or log data - back into guest memory; I/O
 * doorbell writes are relayed. A guest driver talks to it only through register reads and writes.
 */
public final class NvmeBar0 {
    private final VhostUserNvme target;
    private final GuestRam ram;
    private final long cap;
    private int cc;
    private int csts;
    private int aqa;
    private long asq;
    private long acq;
    private int sqHead;
    private int cqTail;
    private boolean phase;
    /** Asynchronous Event Requests the guest posted: the hypervisor holds them (their command ids). */
    private final java.util.ArrayDeque<Integer> events = new java.util.ArrayDeque<>();
    private int eventsPending;

    public NvmeBar0(VhostUserNvme target) throws IOException {
        this.target = target;
        this.ram = target.ram;
        this.cap = target.capabilities();
        // the target reports namespace changes with a config-change message: complete a held AER
        target.frontend.onConfigChange(this::namespaceNotice);
    }

    /** Completes a held AER with Notice / Namespace Attribute Changed, log page 04h; or remembers it. */
    private synchronized void namespaceNotice() {
        if ((csts & Registers.CSTS_RDY) == 0) {
            return;
        }
        if (events.isEmpty()) {
            eventsPending++;
            return;
        }
        complete(events.poll(), 0x02 | 0x00 << 8 | Nvme.LOG_CHANGED_NAMESPACES << 16, Nvme.SUCCESS);
    }

    public synchronized long read64(int offset) {
        return switch (offset) {
            case Registers.CAP -> cap;
            case Registers.ASQ -> asq;
            case Registers.ACQ -> acq;
            default -> read32(offset) & 0xFFFFFFFFL;
        };
    }

    public synchronized int read32(int offset) {
        return switch (offset) {
            case Registers.VS -> 0x00010400;
            case Registers.CC -> cc;
            case Registers.CSTS -> csts;
            case Registers.AQA -> aqa;
            default -> 0;
        };
    }

    public synchronized void write64(int offset, long value) throws IOException {
        switch (offset) {
            case Registers.ASQ -> asq = value;
            case Registers.ACQ -> acq = value;
            default -> write32(offset, (int) value);
        }
    }

    public synchronized void write32(int offset, int value) throws IOException {
        switch (offset) {
            case Registers.CC -> setCc(value);
            case Registers.AQA -> aqa = value;
            case Registers.INTMS, Registers.INTMC -> {
                // interrupts are delivered through call eventfds: masks have no effect here
            }
            default -> {
                if (offset == Registers.sqTailDoorbell(0)) {
                    runAdmin(value);
                } else if (offset == Registers.cqHeadDoorbell(0)) {
                    return; // the driver consumed admin completions: nothing to do for a polled queue
                }
                // I/O doorbells are relayed by the guest driver object itself (VhostUserNvme.IoQueue)
            }
        }
    }

    private void setCc(int value) throws IOException {
        boolean wasEnabled = (cc & Registers.CC_EN) != 0;
        boolean enable = (value & Registers.CC_EN) != 0;
        cc = value;
        if (enable && !wasEnabled) {
            if (asq == 0 || acq == 0) {
                csts = Registers.CSTS_CFS; // enabling without an admin queue is fatal
                return;
            }
            sqHead = 0;
            cqTail = 0;
            phase = true;
            events.clear();
            eventsPending = 0;
            ram.at(acq, (long) adminCqSize() * Nvme.CQE_BYTES).fill((byte) 0);
            target.enable(true);
            csts = Registers.CSTS_RDY;
        } else if (!enable && wasEnabled) {
            target.enable(false);
            csts = 0;
        }
    }

    private int adminSqSize() {
        return (aqa & 0xFFF) + 1;
    }

    private int adminCqSize() {
        return ((aqa >>> 16) & 0xFFF) + 1;
    }

    /** The guest moved the admin SQ tail: execute every new command, in order. */
    private void runAdmin(int tail) throws IOException {
        if ((csts & Registers.CSTS_RDY) == 0) {
            return;
        }
        while (sqHead != tail) {
            byte[] sqe = ram.at(asq + (long) sqHead * Nvme.SQE_BYTES, Nvme.SQE_BYTES).toArray(ValueLayout.JAVA_BYTE);
            sqHead = (sqHead + 1) % adminSqSize();
            MemorySegment cmd = MemorySegment.ofArray(sqe);
            if (Sqe.opcode(cmd, 0) == Nvme.ADMIN_ASYNC_EVENT_REQUEST) {
                // held here until the target reports an event (the target never sees AERs)
                if (events.size() == 4) {
                    complete(Sqe.cid(cmd, 0), 0, Nvme.ASYNC_EVENT_LIMIT);
                } else {
                    events.add(Sqe.cid(cmd, 0));
                    if (eventsPending > 0) {
                        eventsPending--;
                        complete(events.poll(), 0x02 | Nvme.LOG_CHANGED_NAMESPACES << 16, Nvme.SUCCESS);
                    }
                }
                continue;
            }
            byte[] reply = target.forwardAdmin(sqe);
            if (reply.length > Nvme.CQE_BYTES) {
                copyToPrps(Sqe.prp1(cmd, 0), Sqe.prp2(cmd, 0), reply, Nvme.CQE_BYTES);
            }
            MemorySegment r = MemorySegment.ofArray(reply);
            complete(Sqe.cid(cmd, 0), Cqe.dw0(r, 0), Cqe.status(r, 0));
        }
    }

    /** Posts an admin completion into the guest's admin CQ. */
    private void complete(int cid, int dw0, int status) {
        MemorySegment cqe = ram.at(acq + (long) cqTail * Nvme.CQE_BYTES, Nvme.CQE_BYTES);
        Cqe.writeBody(cqe, 0, dw0, sqHead, 0, cid);
        cqe.set(ValueLayout.JAVA_SHORT_UNALIGNED, Cqe.STATUS, Cqe.statusField(status, phase));
        cqTail = (cqTail + 1) % adminCqSize();
        if (cqTail == 0) {
            phase = !phase;
        }
    }

    /** Writes command data (Identify, log pages) to the guest's PRP1 and, past its page, PRP2. */
    private void copyToPrps(long prp1, long prp2, byte[] reply, int from) {
        int n = reply.length - from;
        int first = (int) Math.min(n, Nvme.PAGE - (prp1 & (Nvme.PAGE - 1)));
        MemorySegment.copy(reply, from, ram.at(prp1, first), ValueLayout.JAVA_BYTE, 0, first);
        if (n > first) {
            MemorySegment.copy(reply, from + first, ram.at(prp2, n - first), ValueLayout.JAVA_BYTE, 0, n - first);
        }
    }
}
