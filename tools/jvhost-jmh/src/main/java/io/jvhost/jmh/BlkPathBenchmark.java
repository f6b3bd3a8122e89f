package io.jvhost.jmh;

import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostblk.internal.BenchBlkDevices;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.vhostuser.internal.BenchVrings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The whole target path of a vhost-user-blk request on one thread, per request: the reactor's ring
 * poller takes the chain, the virtio-blk emulation decodes the header and builds the bdev request over
 * the chain's buffers in place, the null bdev completes it on a later pass, the status byte and used
 * entry are written and the batch of 32 is published. Only the socket and the other core are missing
 * (bench/matrix.py measures those).
 */
public class BlkPathBenchmark extends PerRequestBenchmark {
    @Param({"randread", "randwrite"})
    public String rw;
    @Param({"4096"})
    public int bs;
    private Reactors.SteppedReactor reactor;
    private BenchGuest guest;
    private VhostUserDevice device;
    private Poller poller;

    @Setup
    public void setUp() {
        reactor = steppedReactor();
        BdevRegistryImpl registry = registryWithNullBdev();
        device = BenchBlkDevices.open("jmh-blk", registry, NULL_BDEV);
        guest = new BenchGuest(256, BATCH, bs, rw.equals("randwrite"));
        poller = BenchVrings.open("jmh-blk", guest.deviceQueue(), reactor, device);
    }

    @TearDown
    public void tearDown() {
        reactor.removePoller(poller);
        guest.close();
    }

    /** One batch: returns the requests that completed with VIRTIO_BLK_S_OK. */
    int serveBatch() {
        guest.offerAll();
        int passes = 0;
        while (guest.usedAvailable() < BATCH) {
            reactor.step();
            if (++passes > 1_000_000) {
                throw new IllegalStateException("only " + guest.usedAvailable() + " of " + BATCH + " requests completed");
            }
        }
        return guest.takeUsed(BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int nullBdev() {
        return serveBatch();
    }
}
