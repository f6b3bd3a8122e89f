package io.jvhost.virtio;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import io.jvhost.memory.GuestMemory;
import java.lang.foreign.MemorySegment;

/**
 * A split queue's descriptor table: walks the chain at a head, through at most one indirect table,
 * into a {@link DescriptorChain} of guest buffers. Everything in it is the driver's, so every step
 * is checked. One reactor thread uses it.
 */
final class SplitChains {
    private static final int DESC_SIZE = 16;
    private static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;

    private final GuestMemory memory;
    private final MemorySegment desc;
    private final long descOff;
    private final int size;

    SplitChains(GuestMemory memory, MemorySegment desc, long descOff, int size) {
        this.memory = memory;
        this.desc = desc;
        this.descOff = descOff;
        this.size = size;
    }

    /**
     * Walks the chain starting at {@code head} into {@code chain}: loops, chains longer than the ring,
     * nested indirect tables and buffers outside guest memory give a negative error.
     */
    int read(int head, DescriptorChain chain) {
        chain.reset(head);
        MemorySegment table = desc;
        long tableOff = descOff;
        int tableLen = size;
        boolean indirect = false;
        int idx = head;
        for (int steps = 0;; steps++) {
            if (steps >= tableLen) {
                return DescriptorChain.ERR_LOOP;
            }
            long at = tableOff + (long) DESC_SIZE * idx;
            long addr = table.get(U64, at);
            int len = table.get(U32, at + 8);
            int flags = table.get(U16, at + 12) & 0xFFFF;
            int next = table.get(U16, at + 14) & 0xFFFF;
            if ((flags & F_INDIRECT) != 0) {
                if (indirect) {
                    return DescriptorChain.ERR_NESTED_INDIRECT;
                }
                if ((flags & F_NEXT) != 0 || len == 0 || (len & (DESC_SIZE - 1)) != 0) {
                    return DescriptorChain.ERR_INDIRECT;
                }
                long h = memory.translate(addr, Integer.toUnsignedLong(len));
                if (h < 0) {
                    return DescriptorChain.ERR_ADDRESS;
                }
                table = memory.segment(h);
                tableOff = GuestMemory.offset(h);
                tableLen = Integer.divideUnsigned(len, DESC_SIZE);
                indirect = true;
                idx = 0;
                steps = -1;
                continue;
            }
            int r = chain.addGuest(memory, addr, Integer.toUnsignedLong(len), (flags & F_WRITE) != 0);
            if (r != DescriptorChain.OK) {
                return r;
            }
            if ((flags & F_NEXT) == 0) {
                return DescriptorChain.OK;
            }
            if (next >= tableLen) {
                return DescriptorChain.ERR_INDEX;
            }
            idx = next;
        }
    }
}
