package io.jvhost.nvme.driver.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The two pages of Doorbell Buffer Config (NVMe 1.3, admin opcode 7Ch): the driver writes each new
 * SQ tail and CQ head into the shadow page, and rings the MMIO doorbell only when the value passed
 * the controller's EventIdx for that doorbell. An emulated controller then traps far fewer writes.
 */
final class DoorbellBuffer {
    private static final VarHandle U32 = ValueLayout.JAVA_INT.varHandle();
    private final DmaBuffer shadow;
    private final DmaBuffer eventIdx;

    DoorbellBuffer(DmaMemory dma) {
        this.shadow = dma.allocate(DmaBuffer.PAGE, true);
        this.eventIdx = dma.allocate(DmaBuffer.PAGE, true);
    }

    void clear() {
        shadow.memory().fill((byte) 0);
        eventIdx.memory().fill((byte) 0);
    }

    /**
     * Zeroes doorbell {@code index}'s shadow value and EventIdx before its queue is created again:
     * left from an earlier queue with the same id, a stale EventIdx makes the need-event rule skip
     * the MMIO doorbell the controller waits for, and the new queue stalls.
     */
    void forget(int index) {
        U32.setRelease(shadow.memory(), 4L * index, 0);
        U32.setRelease(eventIdx.memory(), 4L * index, 0);
    }

        long shadowIova() {
        return shadow.iova(0);
    }

    long eventIdxIova() {
        return eventIdx.iova(0);
    }

    /**
     * Publishes {@code value} (moved from {@code old}) for doorbell {@code index}; returns whether
     * the MMIO doorbell must be written too. The full fence orders the shadow store before the
     * EventIdx load, else both sides could miss each other's update.
     */
    boolean update(int index, int value, int old) {
        MemorySegment s = shadow.memory();
        U32.setRelease(s, 4L * index, value);
        VarHandle.fullFence();
        int event = (int) U32.getAcquire(eventIdx.memory(), 4L * index);
        return needsEvent(event, value, old);
    }

    /**
     * Whether moving a doorbell from {@code old} to {@code value} passed the controller's
     * {@code event} index (16-bit arithmetic, as virtio's vring_need_event and Linux's NVMe driver).
     */
    static boolean needsEvent(int event, int value, int old) {
        return ((value - event - 1) & 0xFFFF) < ((value - old) & 0xFFFF);
    }
}
