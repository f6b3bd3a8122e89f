package io.jvhost.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.posix.EventFd;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The device side of packed virtqueues over a fake guest memory: wrap counters, ids, indirect tables. */
class PackedQueueTest {
    private static final int F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4, F_AVAIL = 1 << 7, F_USED = 1 << 15;
    private static final int SIZE = 4;
    /** Both wrap counters start at 1 (VIRTIO 1.2, 2.8.1). */
    private static final int START = 0x8000_8000;
    private final FakeGuest guest = new FakeGuest();
    private final EventFd call = EventFd.create();
    private final DescriptorChain chain = new DescriptorChain(64);
    private final long ring = guest.allocate(16L * SIZE, 16);
    private final long driverArea = guest.allocate(4, 4);
    private final long deviceArea = guest.allocate(4, 4);
    /** The driver's next descriptor and wrap counter. */
    private int next;
    private boolean wrap = true;

    @AfterEach
    void tearDown() {
        call.close();
        guest.close();
    }

    private PackedQueue queue(boolean eventIdx) {
        return new PackedQueue(guest.memory, SIZE, FakeGuest.user(ring), FakeGuest.user(driverArea),
                FakeGuest.user(deviceArea), START, eventIdx, call);
    }

    /** Makes a chain of buffers available as a driver does: the head's flags last. */
    private void offer(int id, long[] addrs, int[] lens, int[] flags) {
        int headAt = next;
        int headFlags = 0;
        for (int i = 0; i < addrs.length; i++) {
            int f = flags[i] | (i < addrs.length - 1 ? F_NEXT : 0) | (wrap ? F_AVAIL : F_USED);
            if (i == 0) {
                headFlags = f;
                guest.descriptor(ring + 16L * next, addrs[i], lens[i], id, 0);
            } else {
                guest.descriptor(ring + 16L * next, addrs[i], lens[i], id, f);
            }
            if (++next == SIZE) {
                next = 0;
                wrap = !wrap;
            }
        }
        guest.u16(ring + 16L * headAt + 14, headFlags);
    }

    private void offer(int id, long addr, int len, int flags) {
        offer(id, new long[] {addr}, new int[] {len}, new int[] {flags});
    }

    @Test
    void shouldTakeChainsAcrossRingWrapsAndWriteUsedEntriesWithTheWrapCounter() {
        PackedQueue q = queue(false);
        long buf = guest.allocate(4096, 8);
        boolean usedWrap = true;
        int usedAt = 0;
        for (int i = 0; i < 5 * SIZE / 2; i++) {
            int id = i % SIZE;
            // two-descriptor chains: every other one straddles the end of the ring
            offer(id, new long[] {buf, buf + 512}, new int[] {16, 512}, new int[] {0, F_WRITE});
            assertEquals(DescriptorChain.OK, q.next(chain), "request " + i);
            assertEquals(id, chain.head());
            assertEquals(2, chain.count());
            assertEquals(DeviceRing.NONE, q.next(chain));
            q.pushUsed(id, 512);
            q.publishUsed();
            int flags = guest.u16(ring + 16L * usedAt + 14);
            assertEquals(usedWrap ? F_AVAIL | F_USED : 0, flags & (F_AVAIL | F_USED), "used flags of request " + i);
            assertEquals(id, guest.u16(ring + 16L * usedAt + 12));
            assertEquals(512, guest.u32(ring + 16L * usedAt + 8));
            usedAt += 2; // the used entry skips the chain's descriptors
            if (usedAt >= SIZE) {
                usedAt -= SIZE;
                usedWrap = !usedWrap;
            }
        }
        int state = q.state();
        assertEquals(next, state & 0x7FFF, "next available descriptor");
        assertEquals(wrap, (state & 0x8000) != 0, "available wrap counter");
        assertEquals(usedAt, (state >>> 16) & 0x7FFF);
        assertEquals(usedWrap, (state & 0x8000_0000) != 0);
    }

    @Test
    void shouldNotTakeADescriptorOfThePreviousLap() {
        PackedQueue q = queue(false);
        long buf = guest.allocate(8, 8);
        // AVAIL and USED both set is a used descriptor when the driver's counter is 1: not available
        guest.descriptor(ring, buf, 8, 0, F_AVAIL | F_USED);
        assertEquals(DeviceRing.NONE, q.next(chain));
    }

    @Test
    void shouldReadAnIndirectTable() {
        PackedQueue q = queue(false);
        long table = guest.allocate(32, 16), buf = guest.allocate(1024, 8);
        guest.descriptor(table, buf, 16, 0, 0);
        guest.descriptor(table + 16, buf + 16, 1000, 0, F_WRITE);
        offer(2, table, 32, F_INDIRECT);
        assertEquals(DescriptorChain.OK, q.next(chain));
        assertEquals(2, chain.head());
        assertEquals(16, chain.readableBytes());
        assertEquals(1000, chain.writableBytes());
    }

    @Test
    void shouldRejectNestedIndirectTablesAndBadLengths() {
        PackedQueue q = queue(false);
        long table = guest.allocate(16, 16);
        guest.descriptor(table, table, 16, 0, F_INDIRECT);
        offer(0, table, 16, F_INDIRECT);
        assertEquals(DescriptorChain.ERR_NESTED_INDIRECT, q.next(chain));
        PackedQueue q2 = freshQueue();
        offer(0, table, 24, F_INDIRECT);
        assertEquals(DescriptorChain.ERR_INDIRECT, q2.next(chain));
    }

    @Test
    void shouldRejectBuffersOutsideGuestMemory() {
        PackedQueue q = queue(false);
        offer(0, FakeGuest.end() - 8, 9, 0);
        assertEquals(DescriptorChain.ERR_ADDRESS, q.next(chain));
    }

    @Test
    void shouldRejectAChainLongerThanTheRing() {
        PackedQueue q = queue(false);
        long buf = guest.allocate(8, 8);
        for (int i = 0; i < SIZE; i++) {
            guest.descriptor(ring + 16L * i, buf, 8, 0, F_NEXT | F_AVAIL);
        }
        assertEquals(DescriptorChain.ERR_LOOP, q.next(chain));
    }

    @Test
    void shouldRejectAnIdOutsideTheRingOrStillInFlight() {
        PackedQueue q = queue(false);
        long buf = guest.allocate(8, 8);
        offer(SIZE, buf, 8, 0);
        assertEquals(DescriptorChain.ERR_ID, q.next(chain));
        PackedQueue q2 = freshQueue();
        offer(1, buf, 8, 0);
        offer(1, buf, 8, 0);
        assertEquals(DescriptorChain.OK, q2.next(chain));
        assertEquals(DescriptorChain.ERR_ID, q2.next(chain), "id 1 is still in flight");
    }

    @Test
    void shouldInterruptWhenTheDriversEventOffsetIsPassed() {
        PackedQueue q = queue(true);
        long buf = guest.allocate(8, 8);
        guest.u16(driverArea + 2, 2); // RING_EVENT_FLAGS_DESC
        guest.u16(driverArea, 2 | 0x8000); // at descriptor 2 of the lap with wrap counter 1
        int[] interrupts = new int[3];
        for (int i = 0; i < 3; i++) {
            offer(i, buf, 8, 0);
            q.next(chain);
            q.pushUsed(i, 0);
            interrupts[i] = q.publishUsed() ? 1 : 0;
        }
        // the first decision has nothing to compare with; then only the used entry at offset 2 asks
        assertEquals("[1, 0, 1]", java.util.Arrays.toString(interrupts));
        guest.u16(driverArea + 2, 1); // RING_EVENT_FLAGS_DISABLE
        offer(3, buf, 8, 0);
        q.next(chain);
        q.pushUsed(3, 0);
        assertFalse(q.publishUsed());
    }

    @Test
    void shouldDisableKicksWhilePollingAndRecheckOnReEnable() {
        PackedQueue q = queue(false);
        q.suppressKicks();
        assertEquals(1, guest.u16(deviceArea + 2), "RING_EVENT_FLAGS_DISABLE");
        assertFalse(q.enableKicksAndRecheck());
        assertEquals(0, guest.u16(deviceArea + 2));
        offer(0, guest.allocate(8, 8), 8, 0);
        assertTrue(q.enableKicksAndRecheck());
    }

    @Test
    void shouldRefuseABaseBeyondTheRing() {
        assertThrows(IllegalArgumentException.class, () -> new PackedQueue(guest.memory, SIZE, FakeGuest.user(ring),
                FakeGuest.user(driverArea), FakeGuest.user(deviceArea), SIZE, false, call));
    }

    /** A new queue over a cleared ring, the driver starting again. */
    private PackedQueue freshQueue() {
        guest.at(ring, 16L * SIZE).fill((byte) 0);
        next = 0;
        wrap = true;
        return queue(false);
    }
}
