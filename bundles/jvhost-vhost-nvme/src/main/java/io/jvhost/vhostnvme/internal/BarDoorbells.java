package io.jvhost.vhostnvme.internal;

import io.jvhost.vhostnvme.spi.DoorbellBuffer;
import io.jvhost.virtio.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Doorbell registers in a BAR page the hypervisor shares (NVME_SET_BAR_MR): the guest's MMIO writes
 * land in memory instead of trapping, and the controller polls them (SQ y tail at 1000h + 8y, CQ y
 * head at 1000h + 8y + 4, doorbell stride 4). For guests without Doorbell Buffer Config; there is no
 * EventIdx, so nothing is published back.
 */
final class BarDoorbells implements DoorbellBuffer, AutoCloseable {
    static final long DOORBELLS = io.jvhost.nvme.Registers.DOORBELLS;
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private final GuestMemory mapping;
    private final MemorySegment bar;
    private final long base;

    BarDoorbells(GuestMemory mapping, MemorySegment bar, long base) {
        this.mapping = mapping;
        this.bar = bar;
        this.base = base;
    }

    @Override
    public int sqTail(int qid) {
        return (int) U32.getAcquire(bar, base + io.jvhost.nvme.Registers.sqTailDoorbell(qid));
    }

    @Override
    public int cqHead(int qid) {
        return (int) U32.getAcquire(bar, base + io.jvhost.nvme.Registers.cqHeadDoorbell(qid));
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
