package io.jvhost.virtio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.Set;

/**
 * Crash recovery over hostile input: the inflight region a restarted target reads back is memory
 * the front-end holds, so every byte of it (header, flags, batch links, counters) and the ring
 * indices beside it are the fuzzer's. Its own bundle execution fuzzes it (Jazzer fuzzes one target
 * per JVM).
 */
class InflightRecoveryFuzzTest {
    private static final int MAX_BUFFERS = 64;

    /**
     * A split queue started from an inflight region the fuzzer wrote (header, flags, links and
     * counters), over rings whose indices the fuzzer also chose: the queue either refuses the region
     * and starts clean, or resubmits distinct heads of the ring and then serves as usual. Nothing
     * else may happen: no exception, no head outside the ring.
     */
    @FuzzTest(maxDuration = "30s")
    void recoverFromAnInflightRegion(FuzzedDataProvider data) {
        try (FakeGuest guest = new FakeGuest(); Arena arena = Arena.ofConfined()) {
            int size = 1 << data.consumeInt(0, 6);
            long desc = guest.allocate(16L * size, 16), avail = guest.allocate(6 + 2L * size, 2);
            long used = guest.allocate(6 + 8L * size, 4);
            long buffer = guest.allocate(512, 512);
            for (int h = 0; h < size; h++) {
                guest.descriptor(desc + 16L * h, buffer, 512, 2, 0);
            }
            MemorySegment region = arena.allocate(SplitInflight.regionSize(data.consumeInt(1, 2 * size)), 64);
            byte[] bytes = data.consumeBytes((int) region.byteSize());
            MemorySegment.copy(bytes, 0, region, ValueLayout.JAVA_BYTE, 0, bytes.length);
            if (data.consumeBoolean()) {
                region.set(Layouts.U16, 8, (short) SplitInflight.VERSION);
                region.set(Layouts.U16, 10, (short) size);
            }
            guest.u16(avail + 2, data.consumeInt(0, 0xFFFF));
            guest.u16(used + 2, data.consumeInt(0, 0xFFFF));
            SplitQueue q;
            try {
                q = new SplitQueue(guest.memory, size, FakeGuest.user(desc), FakeGuest.user(avail),
                        FakeGuest.user(used), data.consumeInt(), false, null, region);
            } catch (IllegalArgumentException refused) {
                return; // a base past the ring, as without a region
            }
            assertTrue(q.resubmitted() <= size, q.resubmitted() + " resubmitted of " + size);
            Set<Integer> heads = new HashSet<>();
            DescriptorChain chain = new DescriptorChain(MAX_BUFFERS);
            for (int i = 0; i < q.resubmitted(); i++) {
                int r = q.next(chain);
                if (r < 0) {
                    return; // the fuzzer's descriptors are broken: the queue stops
                }
                assertTrue(chain.head() < size && heads.add(chain.head()), "resubmitted head " + chain.head());
                q.pushUsed(chain.head(), 0);
            }
            q.publishUsedQuietly();
            assertTrue(q.inflight() == null || q.inflight().inflightCount() == 0,
                    "resubmitted requests returned, none left in flight");
        }
    }
}
