package io.jvhost.frontend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.virtio.DescriptorChain;
import io.jvhost.virtio.DeviceRing;
import io.jvhost.memory.GuestMemory;
import io.jvhost.virtio.PackedQueue;
import io.jvhost.virtio.SplitQueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The front-end's driver rings against jvhost's device rings in one process, over the same guest
 * RAM: every request comes back exactly once with its length, in any completion order, across many
 * wraps of the ring, for split and packed layouts.
 */
class RingPairTest {
    private static final int SIZE = 64;

    private static DeviceRing device(GuestRam ram, DriverRing d, boolean packed) {
        return device(ram, d, packed, null);
    }

    private static DeviceRing device(GuestRam ram, DriverRing d, boolean packed, io.jvhost.posix.EventFd call) {
        GuestMemory memory = GuestMemory.wrap(List.of(ram.region()), List.of(ram.memory()));
        long desc = ram.userAddress(d.descGpa()), drv = ram.userAddress(d.driverAreaGpa());
        long dev = ram.userAddress(d.deviceAreaGpa());
        return packed ? new PackedQueue(memory, SIZE, desc, drv, dev, d.initialBase(), true, call)
                : new SplitQueue(memory, SIZE, desc, drv, dev, 0, true, call);
    }

    @Test
    void splitRingShouldOweOneInterruptForQuietlyPublishedCompletions() {
        coalesced(false);
    }

    @Test
    void packedRingShouldOweOneInterruptForQuietlyPublishedCompletions() {
        coalesced(true);
    }

    /**
     * Interrupt coalescing: completions published quietly are visible to a polling driver at once,
     * and the one later decision still honours what the driver asked for (EVENT_IDX), so nothing
     * the driver waits for is left without an interrupt.
     */
    private void coalesced(boolean packed) {
        try (GuestRam ram = new GuestRam(1 << 20)) {
            DriverRing driver = packed ? new DriverPackedQueue(ram, 0, SIZE) : new DriverQueue(ram, 0, SIZE, true);
            DeviceRing device = device(ram, driver, packed, driver.callFd());
            DescriptorChain chain = new DescriptorChain(8);
            long b = ram.allocate(64, 64);
            for (int id = 0; id < 4; id++) {
                driver.add(id, new long[] {b}, new int[] {16}, new boolean[] {true}, 1);
            }
            driver.publish();
            int[] heads = new int[4];
            for (int i = 0; i < 4; i++) {
                assertEquals(DescriptorChain.OK, device.next(chain));
                heads[i] = chain.head();
            }
            for (int i = 0; i < 3; i++) {
                device.pushUsed(heads[i], 16);
                device.publishUsedQuietly();
            }
            assertEquals(0, driver.callFd().drain(), "no interrupt while it is held back");
            assertEquals(3, driver.reap((id, len) -> { }), "quietly published entries are visible");
            // the driver reaped and asked to be told about the next one; then the device decides
            device.pushUsed(heads[3], 16);
            device.publishUsedQuietly();
            assertTrue(device.notifyIfNeeded());
            assertEquals(1, driver.callFd().drain(), "one interrupt for the batch");
            assertTrue(!device.notifyIfNeeded(), "nothing new: no second interrupt");
            assertEquals(1, driver.reap((id, len) -> { }));
        }
    }

    @Test
    void splitRingShouldReturnEveryRequestOnceInAnyOrder() {
        exchange(false);
    }

    @Test
    void packedRingShouldReturnEveryRequestOnceInAnyOrderAcrossWraps() {
        exchange(true);
    }

    private void exchange(boolean packed) {
        try (GuestRam ram = new GuestRam(1 << 20)) {
            DriverRing driver = packed ? new DriverPackedQueue(ram, 0, SIZE) : new DriverQueue(ram, 0, SIZE, true);
            DeviceRing device = device(ram, driver, packed);
            DescriptorChain chain = new DescriptorChain(8);
            int ids = SIZE / driver.maxChain();
            long buffers = ram.allocate(ids * 64L, 64);
            Random random = new Random(11);
            int[] returned = new int[ids];
            ArrayDeque<Integer> free = new ArrayDeque<>();
            for (int i = 0; i < ids; i++) {
                free.add(i);
            }
            long submitted = 0, completed = 0;
            for (int round = 0; round < 500; round++) {
                int n = 1 + random.nextInt(free.size());
                for (int k = 0; k < n; k++) {
                    int id = free.poll();
                    long b = buffers + id * 64L;
                    int buffersInChain = 1 + random.nextInt(3);
                    long[] gpa = {b, b + 16, b + 32};
                    int[] len = {16, 8, 1};
                    boolean[] write = {false, buffersInChain == 3, true};
                    ram.at(b, 8).set(ValueLayout.JAVA_INT_UNALIGNED, 0, id);
                    driver.add(id, gpa, len, write, buffersInChain);
                    submitted++;
                }
                driver.publish();
                List<int[]> taken = new ArrayList<>();
                int r;
                while ((r = device.next(chain)) == DescriptorChain.OK) {
                    MemorySegment first = chain.segment(0);
                    int id = packed ? chain.head() : chain.head() / driver.maxChain();
                    assertEquals(id, first.get(ValueLayout.JAVA_INT_UNALIGNED, chain.offset(0)),
                            "the chain carries its own buffers");
                    taken.add(new int[] {chain.head(), (int) chain.writableBytes()});
                }
                assertEquals(DeviceRing.NONE, r);
                assertEquals(n, taken.size(), "the device sees exactly what was published");
                Collections.shuffle(taken, random);
                for (int[] t : taken) {
                    device.pushUsed(t[0], t[1]);
                }
                assertTrue(device.hasUnpublished());
                device.publishUsed();
                int reaped = driver.reap((id, length) -> {
                    returned[id]++;
                    free.add(id);
                });
                assertEquals(n, reaped);
                completed += reaped;
            }
            assertEquals(submitted, completed);
            assertTrue(submitted > 10L * SIZE, "the ring wrapped many times");
        }
    }
}
