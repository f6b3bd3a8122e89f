package io.jvhost.shadowdoorbell.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The shadow doorbell and EventIdx pages of Doorbell Buffer Config (NVMe 1.3 5.7): the guest writes
 * SQ tails and CQ heads into the first instead of the doorbell registers (SQ y at slot 2y, CQ y at
 * 2y + 1, 4-byte slots) and rings a real doorbell only when the new value passes what the
 * controller published in the second. A polling controller keeps each SQ's EventIdx just behind the
 * tail it consumed, so the guest never needs to ring.
 */
final class ShadowDoorbells implements io.jvhost.vhostnvme.spi.DoorbellBuffer {
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private final MemorySegment shadow;
    private final long shadowOff;
    private final MemorySegment eventIdx;
    private final long eventIdxOff;

    ShadowDoorbells(MemorySegment shadow, long shadowOff, MemorySegment eventIdx, long eventIdxOff) {
        this.shadow = shadow;
        this.shadowOff = shadowOff;
        this.eventIdx = eventIdx;
        this.eventIdxOff = eventIdxOff;
    }

    @Override
    public int sqTail(int qid) {
        return (int) U32.getAcquire(shadow, shadowOff + 8L * qid);
    }

    @Override
    public int cqHead(int qid) {
        return (int) U32.getAcquire(shadow, shadowOff + 8L * qid + 4);
    }

    @Override
    public void setSqEventIdx(int qid, int value) {
        U32.setRelease(eventIdx, eventIdxOff + 8L * qid, value);
        VarHandle.fullFence();
    }

    // CQ EventIdx stays where the guest left it: a full queue is noticed by reading the shadow head,
    // so CQ head doorbells are never needed; Linux's 16-bit EventIdx test still rings once per lap of
    // the queue when its head wraps past the value.
}
