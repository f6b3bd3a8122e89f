package io.jvhost.virtio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.MemorySegment;

/**
 * Walks split and packed virtqueues over guest memory the fuzzer writes: descriptor tables, indirect
 * tables, avail indices and flags are all fuzzer bytes, interleaved with the device taking chains and
 * publishing used entries. A finding is any exception (a guest-memory access outside a region shows
 * up as the segment's bounds check), a chain whose buffers leave their region, a chain longer than
 * the device accepts, or a walk that does not end.
 */
class VirtqueueFuzzTest {
    private static final int MAX_BUFFERS = 64;

    @FuzzTest(maxDuration = "30s")
    void walkChains(FuzzedDataProvider data) {
        try (FakeGuest guest = new FakeGuest()) {
            boolean packed = data.consumeBoolean();
            int size = packed ? data.consumeInt(1, 256) : 1 << data.consumeInt(0, 8);
            // rings mostly where a driver puts them, sometimes anywhere (including past the end)
            long desc = ringAddress(data, 16L * size, 16);
            long avail = ringAddress(data, packed ? 4 : 6 + 2L * size, packed ? 4 : 2);
            long used = ringAddress(data, packed ? 4 : 6 + 8L * size, 4);
            int base = data.consumeInt();
            boolean eventIdx = data.consumeBoolean();
            DeviceRing ring;
            try {
                ring = packed
                        ? new PackedQueue(guest.memory, size, FakeGuest.user(desc), FakeGuest.user(avail),
                                FakeGuest.user(used), base, eventIdx, null)
                        : new SplitQueue(guest.memory, size, FakeGuest.user(desc), FakeGuest.user(avail),
                                FakeGuest.user(used), base, eventIdx, null);
            } catch (IllegalArgumentException refused) {
                return; // a ring outside guest memory or a bad base is refused at SET_VRING_ADDR/BASE
            }
            DescriptorChain chain = new DescriptorChain(MAX_BUFFERS);
            int steps = 0;
            while (data.remainingBytes() > 0 && steps++ < 1000) {
                switch (data.consumeInt(0, 3)) {
                    case 0, 1 -> write(guest, data);
                    case 2 -> {
                        int r = ring.next(chain);
                        if (r < 0) {
                            return; // the session stops this queue with the error
                        }
                        if (r == DescriptorChain.OK) {
                            checkChain(guest, chain);
                            ring.pushUsed(chain.head(), (int) Math.min(chain.writableBytes(), Integer.MAX_VALUE));
                        }
                    }
                    default -> {
                        ring.publishUsed();
                        if (data.consumeBoolean()) {
                            ring.suppressKicks();
                        } else {
                            ring.enableKicksAndRecheck();
                        }
                    }
                }
            }
        }
    }

    private static long ringAddress(FuzzedDataProvider data, long bytes, int align) {
        if (data.consumeBoolean()) {
            return data.consumeLong(FakeGuest.BASE - 4096, FakeGuest.end() + 4096);
        }
        long slot = data.consumeLong(0, (2 * FakeGuest.REGION - bytes) / align);
        return FakeGuest.BASE + Math.max(0, slot) * align;
    }

    /** The driver writes up to 64 bytes anywhere in guest memory (descriptors, indices, flags). */
    private static void write(FakeGuest guest, FuzzedDataProvider data) {
        long at = data.consumeLong(FakeGuest.BASE, FakeGuest.end() - 1);
        byte[] bytes = data.consumeBytes(64);
        long room = FakeGuest.end() - at;
        for (int i = 0; i < bytes.length && i < room; i++) {
            guest.at(at + i, 1).set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes[i]);
        }
    }

    /** Every buffer lies inside one region's view, readable ones first, totals add up. */
    private static void checkChain(FakeGuest guest, DescriptorChain chain) {
        assertTrue(chain.count() <= MAX_BUFFERS, "chain of " + chain.count() + " buffers");
        long readable = 0, writable = 0;
        for (int i = 0; i < chain.count(); i++) {
            MemorySegment s = chain.segment(i);
            assertTrue(guest.isView(s), "buffer " + i + " is not in a guest region");
            assertTrue(chain.offset(i) >= 0 && chain.length(i) >= 0
                    && chain.offset(i) + chain.length(i) <= s.byteSize(), "buffer " + i + " leaves its region");
            assertTrue(chain.isWritable(i) == (i >= chain.firstWritable()), "readable buffer after a writable one");
            if (chain.isWritable(i)) {
                writable += chain.length(i);
            } else {
                readable += chain.length(i);
            }
        }
        assertTrue(readable == chain.readableBytes() && writable == chain.writableBytes(), "byte totals");
    }
}
