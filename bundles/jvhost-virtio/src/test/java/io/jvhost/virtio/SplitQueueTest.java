package io.jvhost.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.posix.EventFd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device side of split virtqueues over a fake guest memory, as a driver lays the rings out. */
class SplitQueueTest {
    private static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;
    private static final int SIZE = 8;
    private final FakeGuest guest = new FakeGuest();
    private final EventFd call = EventFd.create();
    private final DescriptorChain chain = new DescriptorChain(64);
    private final long desc = guest.allocate(16L * SIZE, 16);
    private final long avail = guest.allocate(6 + 2L * SIZE, 2);
    private final long used = guest.allocate(6 + 8L * SIZE, 4);
    private int availIdx;

    @AfterEach
    void tearDown() {
        call.close();
        guest.close();
    }

    private SplitQueue queue(boolean eventIdx) {
        return queue(eventIdx, 0);
    }

    private SplitQueue queue(boolean eventIdx, int base) {
        availIdx = base;
        guest.u16(avail + 2, base);
        guest.u16(used + 2, base);
        return new SplitQueue(guest.memory, SIZE, FakeGuest.user(desc), FakeGuest.user(avail), FakeGuest.user(used),
                base, eventIdx, call);
    }

    /** Descriptor {@code i} of the ring's table. */
    private void desc(int i, long addr, int len, int flags, int next) {
        guest.descriptor(desc + 16L * i, addr, len, flags, next);
    }

    private void makeAvailable(int head) {
        guest.u16(avail + 4 + 2L * (availIdx % SIZE), head);
        availIdx = (availIdx + 1) & 0xFFFF;
        guest.u16(avail + 2, availIdx);
    }

    @Test
    void shouldWalkReadableThenWritableBuffersOfAChain() {
        SplitQueue q = queue(false);
        long header = guest.allocate(16, 8), data = guest.allocate(4096, 4096), status = guest.allocate(1, 1);
        desc(3, header, 16, F_NEXT, 5);
        desc(5, data, 4096, F_NEXT | F_WRITE, 1);
        desc(1, status, 1, F_WRITE, 0);
        makeAvailable(3);
        assertEquals(DescriptorChain.OK, q.next(chain));
        assertEquals(3, chain.head());
        assertEquals(3, chain.count());
        assertEquals(16, chain.readableBytes());
        assertEquals(4097, chain.writableBytes());
        assertEquals(1, chain.firstWritable());
        assertEquals(DeviceRing.NONE, q.next(chain), "one request was made available");
    }

    @Test
    void shouldReadAnIndirectTable() {
        SplitQueue q = queue(false);
        long table = guest.allocate(16 * 3, 16);
        long buf = guest.allocate(3 * 512, 512);
        guest.descriptor(table, buf, 512, F_NEXT, 1);
        guest.descriptor(table + 16, buf + 512, 512, F_NEXT | F_WRITE, 2);
        guest.descriptor(table + 32, buf + 1024, 512, F_WRITE, 0);
        desc(0, table, 48, F_INDIRECT, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.OK, q.next(chain));
        assertEquals(3, chain.count());
        assertEquals(512, chain.readableBytes());
        assertEquals(1024, chain.writableBytes());
    }

    @Test
    void shouldRejectDescriptorLoop() {
        SplitQueue q = queue(false);
        long buf = guest.allocate(64, 8);
        desc(0, buf, 8, F_NEXT, 1);
        desc(1, buf, 8, F_NEXT, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.ERR_LOOP, q.next(chain));
    }

    @Test
    void shouldRejectALoopInsideAnIndirectTable() {
        SplitQueue q = queue(false);
        long table = guest.allocate(32, 16), buf = guest.allocate(8, 8);
        guest.descriptor(table, buf, 8, F_NEXT, 1);
        guest.descriptor(table + 16, buf, 8, F_NEXT, 0);
        desc(0, table, 32, F_INDIRECT, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.ERR_LOOP, q.next(chain));
    }

    @Test
    void shouldRejectNestedIndirectTables() {
        SplitQueue q = queue(false);
        long outer = guest.allocate(16, 16), inner = guest.allocate(16, 16), buf = guest.allocate(8, 8);
        guest.descriptor(inner, buf, 8, 0, 0);
        guest.descriptor(outer, inner, 16, F_INDIRECT, 0);
        desc(0, outer, 16, F_INDIRECT, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.ERR_NESTED_INDIRECT, q.next(chain));
    }

    @Test
    void shouldRejectIndirectTablesOfBadLengthOrWithNext() {
        SplitQueue q = queue(false);
        long table = guest.allocate(16, 16);
        desc(0, table, 0, F_INDIRECT, 0);
        desc(1, table, 24, F_INDIRECT, 0);
        desc(2, table, 16, F_INDIRECT | F_NEXT, 3);
        for (int head = 0; head < 3; head++) {
            makeAvailable(head);
            assertEquals(DescriptorChain.ERR_INDIRECT, q.next(chain), "head " + head);
        }
    }

    @Test
    void shouldRejectBuffersAtAndPastTheEndOfGuestMemory() {
        SplitQueue q = queue(false);
        long end = FakeGuest.end();
        desc(0, end - 16, 17, 0, 0); // one byte past the end
        desc(1, end, 1, 0, 0); // starts at the end
        desc(2, 0, 16, 0, 0); // below the first region
        desc(3, -16, 32, 0, 0); // wraps the address space
        desc(4, end - 16, 16, 0, 0); // the last 16 bytes: fine
        for (int head = 0; head < 4; head++) {
            makeAvailable(head);
            assertEquals(DescriptorChain.ERR_ADDRESS, q.next(chain), "head " + head);
        }
        makeAvailable(4);
        assertEquals(DescriptorChain.OK, q.next(chain));
    }

    @Test
    void shouldSplitABufferThatCrossesIntoTheNextRegion() {
        SplitQueue q = queue(false);
        long crossing = FakeGuest.BASE + FakeGuest.REGION - 100;
        desc(0, crossing, 300, F_WRITE, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.OK, q.next(chain));
        assertEquals(2, chain.count(), "one piece per region");
        assertEquals(100, chain.length(0));
        assertEquals(200, chain.length(1));
    }

    @Test
    void shouldHandTheFilledListOverAndReadTheNextChainIntoTheSpare() {
        SplitQueue q = queue(false);
        long buf = guest.allocate(4096, 8);
        desc(0, buf, 16, F_NEXT, 1);
        desc(1, buf + 16, 512, F_WRITE, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.OK, q.next(chain));
        io.jvhost.memory.SgList spare = new io.jvhost.memory.SgList(8);
        io.jvhost.memory.SgList taken = chain.takeList(spare);
        assertEquals(2, taken.count(), "the chain's buffers, not a copy");
        assertEquals(528, taken.totalBytes());
        assertEquals(16, chain.readableBytes(), "the chain still describes what was taken");
        makeAvailable(0);
        assertEquals(DescriptorChain.OK, q.next(chain));
        assertEquals(2, spare.count(), "the next chain went into the spare");
        assertEquals(2, taken.count(), "and left the taken list alone");
    }

    @Test
    void shouldSpillAChainLongerThanTheSpareAndRefuseToHandItOver() {
        SplitQueue q = queue(false);
        long buf = guest.allocate(4096, 8);
        for (int i = 0; i < 5; i++) {
            desc(i, buf + 64L * i, 64, i < 4 ? F_NEXT : F_WRITE, i + 1);
        }
        makeAvailable(0);
        q.next(chain);
        assertTrue(chain.takeList(new io.jvhost.memory.SgList(3)) != null);
        makeAvailable(0);
        assertEquals(DescriptorChain.OK, q.next(chain), "five buffers fit the chain though its spare holds three");
        assertEquals(5, chain.count());
        assertEquals(64 * 4, chain.readableBytes());
        assertEquals(buf + 64 * 4, chain.segment(4).address() + chain.offset(4) - guest.at(FakeGuest.BASE, 1).address()
                + FakeGuest.BASE, "the buffers in order across the spill");
        assertEquals(null, chain.takeList(new io.jvhost.memory.SgList(3)), "a spilled chain is copied, not taken");
    }

    @Test
    void shouldRejectAnAvailableIndexThatJumpsPastTheRing() {
        SplitQueue q = queue(false);
        guest.u16(avail + 2, SIZE + 1);
        assertEquals(DescriptorChain.ERR_AVAIL, q.next(chain));
    }

    @Test
    void shouldRejectAHeadOutsideTheRingAndANextOutsideTheTable() {
        SplitQueue q = queue(false);
        makeAvailable(SIZE);
        assertEquals(DescriptorChain.ERR_INDEX, q.next(chain));
        desc(0, guest.allocate(8, 8), 8, F_NEXT, SIZE + 3);
        makeAvailable(0);
        assertEquals(DescriptorChain.ERR_INDEX, q.next(chain));
    }

    @Test
    void shouldRejectAReadableBufferAfterAWritableOne() {
        SplitQueue q = queue(false);
        long buf = guest.allocate(16, 8);
        desc(0, buf, 8, F_WRITE | F_NEXT, 1);
        desc(1, buf + 8, 8, 0, 0);
        makeAvailable(0);
        assertEquals(DescriptorChain.ERR_ORDER, q.next(chain));
    }

    @Test
    void shouldRefuseRingsOutsideGuestMemoryOrMisaligned() {
        assertThrows(IllegalArgumentException.class, () -> new SplitQueue(guest.memory, SIZE,
                FakeGuest.user(FakeGuest.end() - 64), FakeGuest.user(avail), FakeGuest.user(used), 0, false, call));
        assertThrows(IllegalArgumentException.class, () -> new SplitQueue(guest.memory, SIZE,
                FakeGuest.user(desc + 8), FakeGuest.user(avail), FakeGuest.user(used), 0, false, call));
        assertThrows(IllegalArgumentException.class, () -> new SplitQueue(guest.memory, 6, FakeGuest.user(desc),
                FakeGuest.user(avail), FakeGuest.user(used), 0, false, call));
    }

    @Test
    void shouldPublishUsedEntriesOnlyWithTheIndexAcrossIndexWraparound() {
        SplitQueue q = queue(false, 0xFFFE); // the 16-bit indices wrap after two requests
        long buf = guest.allocate(8, 8);
        for (int i = 0; i < 3 * SIZE; i++) {
            desc(i % SIZE, buf, 8, F_WRITE, 0);
            makeAvailable(i % SIZE);
            assertEquals(DescriptorChain.OK, q.next(chain), "request " + i);
            int before = guest.u16(used + 2);
            q.pushUsed(chain.head(), 8);
            assertTrue(q.hasUnpublished());
            assertEquals(before, guest.u16(used + 2), "an entry is not visible before the index moves");
            q.publishUsed();
            int slot = (0xFFFE + i) % SIZE;
            assertEquals((0xFFFE + i + 1) & 0xFFFF, guest.u16(used + 2));
            assertEquals(i % SIZE, guest.u32(used + 4 + 8L * slot), "used id");
            assertEquals(8, guest.u32(used + 8 + 8L * slot), "used length");
        }
        assertEquals((0xFFFE + 3 * SIZE) & 0xFFFF, q.state(), "next available index, as GET_VRING_BASE reports it");
    }

    @Test
    void shouldInterruptOnlyWhenTheUsedEventIsCrossed() {
        SplitQueue q = queue(true);
        long buf = guest.allocate(8, 8);
        guest.u16(avail + 4 + 2L * SIZE, 2); // used_event: interrupt once used->idx passes 2
        int[] interrupts = new int[5];
        for (int i = 0; i < 5; i++) {
            desc(i, buf, 8, F_WRITE, 0);
            makeAvailable(i);
            q.next(chain);
            q.pushUsed(chain.head(), 0);
            interrupts[i] = q.publishUsed() ? 1 : 0;
        }
        assertEquals("[0, 0, 1, 0, 0]", java.util.Arrays.toString(interrupts));
        assertEquals(1, call.drain(), "one signal on the call eventfd");
    }

    @Test
    void shouldHonourNoInterruptWithoutEventIdx() {
        SplitQueue q = queue(false);
        long buf = guest.allocate(8, 8);
        guest.u16(avail, 1); // VRING_AVAIL_F_NO_INTERRUPT
        desc(0, buf, 8, 0, 0);
        makeAvailable(0);
        q.next(chain);
        q.pushUsed(0, 0);
        assertFalse(q.publishUsed());
        guest.u16(avail, 0);
        makeAvailable(0);
        q.next(chain);
        q.pushUsed(0, 0);
        assertTrue(q.publishUsed());
        assertEquals(1, call.drain());
    }

    @Test
    void shouldSuppressKicksWhilePollingAndSeeRequestsThatRaceTheReEnable() {
        SplitQueue q = queue(true);
        long buf = guest.allocate(8, 8);
        desc(0, buf, 8, 0, 0);
        makeAvailable(0);
        q.next(chain);
        q.suppressKicks();
        assertTrue(q.isPolling());
        assertEquals(0, guest.u16(used + 4 + 8L * SIZE), "avail_event just behind what was consumed");
        assertFalse(q.enableKicksAndRecheck(), "nothing new: the device may sleep");
        assertEquals(1, guest.u16(used + 4 + 8L * SIZE), "avail_event at the next request");
        makeAvailable(0);
        assertTrue(q.enableKicksAndRecheck(), "a request that came in meanwhile keeps the device awake");
    }

    @Test
    void shouldSetNoNotifyWithoutEventIdx() {
        SplitQueue q = queue(false);
        q.suppressKicks();
        assertEquals(1, guest.u16(used), "VRING_USED_F_NO_NOTIFY");
        q.enableKicksAndRecheck();
        assertEquals(0, guest.u16(used));
    }
}
