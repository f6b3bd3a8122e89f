package io.jvhost.jmh;

import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.nullmod.internal.BenchNullBdevs;
import io.jvhost.reactor.Poller;
import io.jvhost.reactor.Reactors;
import io.jvhost.vhostblk.internal.BenchBlkDevices;
import io.jvhost.vhostuser.VhostUserDevice;
import io.jvhost.vhostuser.internal.BenchVrings;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole target path of a vhost-user-blk request on one thread, per request: the reactor's ring
 * poller takes the chain, the virtio-blk emulation decodes the header and builds the bdev request over
 * the chain's buffers in place, the null bdev completes it on a later pass, the status byte and used
 * entry are written and the batch of 32 is published. Only the socket and the other core are missing
 * (bench/matrix.py measures those).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BlkPathBenchmark {
    static final int BATCH = 32;
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
        reactor = Reactors.stepped(0);
        reactor.bindToCurrentThread();
        BdevRegistryImpl registry = new BdevRegistryImpl();
        BenchNullBdevs.create(registry, "Null0", 1L << 23, 512);
        device = BenchBlkDevices.open("jmh-blk", registry, "Null0");
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
