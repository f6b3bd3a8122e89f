package io.jvhost.frontend;

import static io.jvhost.frontend.VhostUserMessages.PF_REPLY_ACK;
import static io.jvhost.frontend.VhostUserMessages.SET_VRING_ADDR;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What a broken or malicious guest driver writes into a split ring it shares with the device, for
 * isolation tests and benchmarks: each pattern breaks one rule of the virtio specification, and
 * {@link #reason} is the part of the target's log line that names it.
 */
public enum HostileDriver {
    /** Two descriptors that point at each other. */
    DESCRIPTOR_LOOP("descriptor loop or chain longer than the ring"),
    /** A chain through every descriptor of the table and back to the first. */
    CHAIN_LONGER_THAN_THE_QUEUE("descriptor loop or chain longer than the ring"),
    /** An indirect table whose entry is itself an indirect table. */
    INDIRECT_INSIDE_INDIRECT("indirect table inside an indirect table"),
    /** A buffer whose address plus length wraps past the end of the 64-bit address space. */
    LENGTH_THAT_OVERFLOWS("buffer outside guest memory"),
    /** A buffer 1 MiB past the end of guest RAM. */
    ADDRESS_OUTSIDE_EVERY_REGION("buffer outside guest memory"),
    /** avail->idx moved by more than the ring holds. */
    AVAIL_INDEX_JUMP("the available index moved by more than the ring size"),
    /** The driver re-addresses the queue with its used ring on top of its available ring. */
    USED_RING_OVER_AVAIL_RING("the used ring");

    private final String reason;

    HostileDriver(String reason) {
        this.reason = reason;
    }

    /** The words the target's log line gives as what was wrong. */
    public String reason() {
        return reason;
    }

    /** Whether the target refuses this at set-up (a vhost-user message fails) rather than in the ring. */
    public boolean refusedAtSetUp() {
        return this == USED_RING_OVER_AVAIL_RING;
    }

    /**
     * Breaks queue {@code ring} of {@code frontend}: writes the pattern into the shared ring and kicks
     * the device, or (for {@link #refusedAtSetUp()}) stops the queue the way QEMU does and sends the
     * broken layout. Returns false when the back-end accepted a broken layout it should have refused.
     */
    public boolean apply(VhostUserFrontend frontend, DriverQueue ring) throws IOException {
        GuestRam ram = frontend.ram();
        if (this == USED_RING_OVER_AVAIL_RING) {
            frontend.stopRing(ring.index());
            long avail = ram.userAddress(ring.availGpa());
            byte[] addr = new byte[40];
            MemorySegment a = MemorySegment.ofArray(addr);
            a.set(U32, 0, ring.index());
            a.set(U64, 8, ram.userAddress(ring.descGpa()));
            a.set(U64, 16, avail);
            a.set(U64, 24, avail);
            if ((frontend.protocolFeatures() & (1L << PF_REPLY_ACK)) == 0) {
                throw new IOException("the back-end must offer REPLY_ACK to tell whether it refused the layout");
            }
            return frontend.connection().callAck(SET_VRING_ADDR, addr) != 0;
        }
        writeInto(ring, ram);
        ring.kick();
        return true;
    }

    private void writeInto(DriverQueue ring, GuestRam ram) {
        long buf = ram.allocate(4096, 4096);
        int size = ring.size();
        switch (this) {
            case DESCRIPTOR_LOOP -> {
                ring.descriptor(0, buf, 16, DriverQueue.F_NEXT, 1);
                ring.descriptor(1, buf + 16, 512, DriverQueue.F_NEXT, 0); // readable both: the walk meets the loop
                ring.offer(0);
            }
            case CHAIN_LONGER_THAN_THE_QUEUE -> {
                for (int i = 0; i < size; i++) {
                    ring.descriptor(i, buf, 16, DriverQueue.F_NEXT, (i + 1) % size);
                }
                ring.offer(0);
            }
            case INDIRECT_INSIDE_INDIRECT -> {
                long table = ram.allocate(64, 16);
                MemorySegment t = ram.at(table, 16);
                t.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, table + 32);
                t.set(ValueLayout.JAVA_INT_UNALIGNED, 8, 16);
                t.set(ValueLayout.JAVA_SHORT_UNALIGNED, 12, (short) DriverQueue.F_INDIRECT);
                ring.descriptor(0, table, 32, DriverQueue.F_INDIRECT, 0);
                ring.offer(0);
            }
            case LENGTH_THAT_OVERFLOWS -> {
                ring.descriptor(0, buf, 16, DriverQueue.F_NEXT, 1);
                ring.descriptor(1, -4096L, 0x10000, DriverQueue.F_NEXT | DriverQueue.F_WRITE, 2); // wraps past 2^64
                ring.descriptor(2, buf + 16, 1, DriverQueue.F_WRITE, 0);
                ring.offer(0);
            }
            case ADDRESS_OUTSIDE_EVERY_REGION -> {
                ring.descriptor(0, ram.base() + ram.size() + (1 << 20), 16, 0, 0);
                ring.offer(0);
            }
            case AVAIL_INDEX_JUMP -> {
                ring.forceAvailIdx(ring.availIdx() + size + 7);
                return;
            }
            case USED_RING_OVER_AVAIL_RING -> throw new IllegalStateException("not a ring write");
        }
        ring.forceAvailIdx(ring.availIdx());
    }
}
