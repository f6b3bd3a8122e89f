package io.jvhost.virtio;

import static io.jvhost.virtio.Layouts.U16;
import static io.jvhost.virtio.Layouts.U64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Crash recovery of split queues through the inflight region: a queue abandoned at any step of its
 * take/complete/publish sequence (what a SIGKILL leaves: guest memory and the region, nothing else)
 * is rebuilt from them, and every request is seen completed by the driver exactly once, none is
 * executed again after the driver saw it complete, with completions out of order.
 */
class SplitInflightTest {
    private static final int SIZE = 8;
    private final FakeGuest guest = new FakeGuest();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment region = arena.allocate(SplitInflight.regionSize(SIZE), 64);
    private final DescriptorChain chain = new DescriptorChain(64);
    private final long desc = guest.allocate(16L * SIZE, 16);
    private final long avail = guest.allocate(6 + 2L * SIZE, 2);
    private final long used = guest.allocate(6 + 8L * SIZE, 4);
    private final long data = guest.allocate(512L * SIZE, 512);
    /** The driver's view: the used index it read last, and each head it saw completed, in order. */
    private int driverUsedIdx;
    private final List<Integer> seen = new ArrayList<>();

    @AfterEach
    void tearDown() {
        arena.close();
        guest.close();
    }

    private static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash() {
            super(null, null, false, false);
        }
    }

    /** The driver posts one request per descriptor head, each a single device-writable buffer. */
    private void postAll() {
        if (region.get(U16, 8) == 0) {
            SplitInflight.format(region, SIZE); // as GET_INFLIGHT_FD hands it out
        }
        for (int h = 0; h < SIZE; h++) {
            guest.descriptor(desc + 16L * h, data + 512L * h, 512, 2, 0);
            guest.u16(avail + 4 + 2L * h, h);
        }
        guest.u16(avail + 2, SIZE);
    }

    private SplitQueue queue(int base) {
        return new SplitQueue(guest.memory, SIZE, FakeGuest.user(desc), FakeGuest.user(avail), FakeGuest.user(used),
                base, false, null, region);
    }

    /** What the driver sees in the used ring since it last looked. */
    private void driverReads() {
        int idx = guest.u16(used + 2);
        for (; driverUsedIdx != idx; driverUsedIdx = (driverUsedIdx + 1) & 0xFFFF) {
            seen.add(guest.u32(used + 4 + 8L * (driverUsedIdx % SIZE)));
        }
    }

    /** Takes everything available, then completes out of order in batches of three; returns the heads it executed. */
    private List<Integer> serve(SplitQueue q) {
        List<Integer> taken = new ArrayList<>();
        while (q.next(chain) == DescriptorChain.OK) {
            taken.add(chain.head());
        }
        List<Integer> order = new ArrayList<>();
        for (int i = taken.size() - 1; i >= 0; i -= 2) {
            order.add(taken.get(i));
        }
        for (int i = taken.size() - 2; i >= 0; i -= 2) {
            order.add(taken.get(i));
        }
        for (int i = 0; i < order.size(); i++) {
            q.pushUsed(order.get(i), 512);
            if (i % 3 == 2) {
                q.publishUsedQuietly();
            }
        }
        q.publishUsedQuietly();
        return taken;
    }

    @Test
    void shouldMarkTakenRequestsAndClearThemOncePublished() {
        postAll();
        SplitQueue q = queue(0);
        assertNull(q.inflightRefused());
        for (int i = 0; i < 3; i++) {
            q.next(chain);
        }
        assertEquals(3, q.inflight().inflightCount());
        q.pushUsed(1, 0);
        q.pushUsed(0, 0);
        assertEquals(3, q.inflight().inflightCount(), "pushed, not yet published: still in flight");
        q.publishUsedQuietly();
        assertEquals(1, q.inflight().inflightCount());
    }

    @ParameterizedTest
    @EnumSource(SplitInflight.Step.class)
    void shouldCompleteEveryRequestExactlyOnceWhateverStepTheProcessDiedAt(SplitInflight.Step step) {
        for (int nth = 1; nth <= SIZE; nth++) {
            resetRing();
            postAll();
            SplitQueue first = queue(0);
            int[] reached = {0};
            int stopAt = nth;
            first.inflight().crashPoints = s -> {
                if (s == step && ++reached[0] == stopAt) {
                    throw new SimulatedCrash();
                }
            };
            boolean crashed = false;
            try {
                serve(first);
            } catch (SimulatedCrash expected) {
                crashed = true;
            }
            if (!crashed) {
                break; // the step occurs fewer than nth times
            }
            driverReads();
            Set<Integer> seenBefore = new HashSet<>(seen);
            // QEMU sets the restarted ring's base to the used index it finds in guest memory
            SplitQueue second = queue(guest.u16(used + 2));
            assertNull(second.inflightRefused(), "a region left by a crash is read back");
            List<Integer> again = serve(second);
            driverReads();
            String at = step + " #" + nth;
            for (int h : again) {
                assertTrue(!seenBefore.contains(h), at + ": head " + h + " was executed again after the driver saw it done");
            }
            assertEquals(SIZE, seen.size(), at + ": completions the driver saw " + seen);
            assertEquals(SIZE, new HashSet<>(seen).size(), at + ": a completion was seen twice " + seen);
            assertEquals(0, second.inflight().inflightCount(), at);
        }
    }

    @Test
    void shouldResubmitInTheOrderRequestsWereTaken() {
        postAll();
        SplitQueue first = queue(0);
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < SIZE; i++) {
            first.next(chain);
            taken.add(chain.head());
        }
        first.pushUsed(taken.get(3), 0);
        first.publishUsedQuietly();
        SplitQueue second = queue(guest.u16(used + 2));
        assertEquals(SIZE - 1, second.resubmitted());
        List<Integer> again = new ArrayList<>();
        while (second.next(chain) == DescriptorChain.OK) {
            again.add(chain.head());
        }
        taken.remove(3);
        assertEquals(taken, again, "oldest first, and nothing new after them: the avail ring is all taken");
    }

    @Test
    void shouldRefuseARegionOfAnotherVersionAndStartClean() {
        postAll();
        SplitInflight.format(region, SIZE);
        region.set(U16, 8, (short) 2);
        region.set(ValueLayout.JAVA_BYTE, 16, (byte) 1);
        SplitQueue q = queue(0);
        assertNotNull(q.inflightRefused());
        assertTrue(q.inflightRefused().contains("version 2"), q.inflightRefused());
        assertEquals(0, q.resubmitted());
        assertEquals(0, q.inflight().inflightCount(), "the refused region is formatted");
        assertEquals(1, region.get(U16, 8));
    }

    @Test
    void shouldRefuseARegionForAnotherRingSize() {
        SplitInflight.format(region, 4);
        SplitQueue q = queue(0);
        assertTrue(q.inflightRefused().contains("4 descriptors"), q.inflightRefused());
    }

    @Test
    void shouldRefuseGarbageFlagsAndBatchLinks() {
        SplitInflight.format(region, SIZE);
        region.set(ValueLayout.JAVA_BYTE, 16 + 16 * 3, (byte) 7);
        assertTrue(queue(0).inflightRefused().contains("flag 7"));
        SplitInflight.format(region, SIZE);
        postAll();
        for (int h = 0; h < 3; h++) {
            region.set(ValueLayout.JAVA_BYTE, 16 + 16L * h, (byte) 1);
            region.set(U64, 16 + 16L * h + 8, 0xFFFF_FFFF_FFFF_FFF0L + h);
        }
        region.set(U16, 12, (short) 1);
        region.set(U16, 16 + 16 + 6, (short) 999);
        guest.u16(used + 2, 2); // two completions published, the batch links past the ring
        assertTrue(queue(2).inflightRefused().contains("999"));
    }

    @Test
    void shouldRefuseMoreInFlightThanTheAvailRingHolds() {
        SplitInflight.format(region, SIZE);
        for (int h = 0; h < SIZE; h++) {
            region.set(ValueLayout.JAVA_BYTE, 16 + 16L * h, (byte) 1);
        }
        guest.u16(avail + 2, 3);
        SplitQueue q = queue(0);
        assertTrue(q.inflightRefused().contains("beyond the avail index 3"), q.inflightRefused());
        assertEquals(0, q.state());
    }

    @Test
    void shouldAcceptAStaleUsedIndexWhenNothingIsInFlight() {
        SplitInflight.format(region, SIZE);
        region.set(U16, 14, (short) 500); // a ring set up again after a clean stop starts at 0
        SplitQueue q = queue(0);
        assertNull(q.inflightRefused());
        assertEquals(0, q.state());
    }

    @Test
    void shouldResortToUnsignedCounterOrder() {
        postAll();
        SplitInflight.format(region, SIZE);
        long[] counters = {0xFFFF_FFFF_FFFF_FFFEL, 5, 0x8000_0000_0000_0000L};
        for (int h = 0; h < 3; h++) {
            region.set(ValueLayout.JAVA_BYTE, 16 + 16L * h, (byte) 1);
            region.set(U64, 16 + 16L * h + 8, counters[h]);
        }
        guest.u16(avail + 2, 3);
        SplitQueue q = queue(0);
        List<Integer> order = new ArrayList<>();
        while (q.next(chain) == DescriptorChain.OK) {
            order.add(chain.head());
        }
        assertEquals(List.of(1, 2, 0), order);
    }

    private void resetRing() {
        guest.at(used, 6 + 8L * SIZE).fill((byte) 0);
        guest.u16(avail + 2, 0);
        SplitInflight.format(region, SIZE);
        driverUsedIdx = 0;
        seen.clear();
    }
}
