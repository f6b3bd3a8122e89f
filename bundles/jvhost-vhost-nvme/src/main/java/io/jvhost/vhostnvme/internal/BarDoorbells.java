package io.jvhost.vhostnvme.internal;

import io.jvhost.nvme.Registers;
import io.jvhost.posix.Fd;
import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.memory.MemoryRegion;
import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * Doorbell registers in a BAR page the hypervisor shares (NVME_SET_BAR_MR): the guest's MMIO writes
 * land in memory instead of trapping, and the controller polls them (SQ y tail at 1000h + 8y, CQ y
 * head at 1000h + 8y + 4, doorbell stride 4). For guests without Doorbell Buffer Config; there is no
 * EventIdx, so nothing is published back.
 */
final class BarDoorbells implements DoorbellBuffer, AutoCloseable {
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private final GuestMemory mapping;
    private final MemorySegment bar;
    private final long base;

    /**
     * Maps the BAR an NVME_SET_BAR_MR message describes: one region {gpa, size, uaddr, mmap offset}
     * and its fd, large enough for the doorbells of {@code ioQueues} queues.
     *
     * @throws IllegalArgumentException for a short payload, a missing fd or a region too small
     */
    static BarDoorbells map(MemorySegment payload, List<Fd> fds, int ioQueues) {
        if (payload.byteSize() < 32 || fds.size() != 1) {
            throw new IllegalArgumentException("NVME_SET_BAR_MR needs a 32-byte region and one fd, got "
                    + payload.byteSize() + " bytes and " + fds.size() + " fds");
        }
        MemoryRegion r = new MemoryRegion(payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0),
                payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 8), payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 16),
                payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 24));
        if (r.size() < Registers.cqHeadDoorbell(ioQueues) + 4L) {
            throw new IllegalArgumentException("BAR region of " + r.size() + " bytes holds no doorbells for "
                    + ioQueues + " queues");
        }
        GuestMemory m = GuestMemory.map(List.of(r), List.of(fds.get(0)));
        long h = m.translate(r.guestPhysAddr(), r.size());
        return new BarDoorbells(m, m.segment(h), GuestMemory.offset(h));
    }

    private BarDoorbells(GuestMemory mapping, MemorySegment bar, long base) {
        this.mapping = mapping;
        this.bar = bar;
        this.base = base;
    }

    @Override
    public int sqTail(int qid) {
        return (int) U32.getAcquire(bar, base + Registers.sqTailDoorbell(qid));
    }

    @Override
    public int cqHead(int qid) {
        return (int) U32.getAcquire(bar, base + Registers.cqHeadDoorbell(qid));
    }

    @Override
    public void setSqEventIdx(int qid, int value) {
        // registers have no EventIdx: the guest writes every tail, into memory we poll
    }

    @Override
    public void close() {
        mapping.close();
    }
}
