package io.jvhost.jmh;

import io.jvhost.virtio.DescriptorChain;
import io.jvhost.virtio.DeviceRing;
import io.jvhost.virtio.SplitQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ring walk alone, per request: take a three-descriptor chain from the avail ring (bounds and
 * loop checks, address translation), push its used entry, and publish the batch of 32 with one used
 * index store and the EVENT_IDX interrupt check, as VringPoller does.
 */
public class SplitRingBenchmark extends PerRequestBenchmark {
    private BenchGuest guest;
    private SplitQueue queue;
    private final DescriptorChain chain = new DescriptorChain(64);

    @Setup
    public void setUp() {
        guest = new BenchGuest(256, BATCH, 4096, false);
        queue = guest.deviceQueue();
    }

    @TearDown
    public void tearDown() {
        guest.close();
    }

    /** One batch: returns the requests walked (32 unless the ring is broken). */
    int walkBatch(Blackhole bh) {
        guest.offerAll();
        int n = 0;
        int r;
        while ((r = queue.next(chain)) == DescriptorChain.OK) {
            bh.consume(chain.writableBytes());
            queue.pushUsed(chain.head(), 1);
            n++;
        }
        if (r != DeviceRing.NONE) {
            throw new IllegalStateException("ring walk failed: " + DescriptorChain.describe(r));
        }
        queue.publishUsed();
        guest.takeUsed(guest.usedAvailable());
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int splitRing(Blackhole bh) {
        return walkBatch(bh);
    }
}
