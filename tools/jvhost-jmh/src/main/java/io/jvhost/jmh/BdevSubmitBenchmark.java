package io.jvhost.jmh;

import io.jvhost.bdev.BdevDescriptor;
import io.jvhost.bdev.BdevIo;
import io.jvhost.bdev.IoChannel;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.OpenMode;
import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.reactor.Reactors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The bdev layer alone, per request: submit a 4 KiB read or write to a null bdev through its
 * per-reactor channel (stats, in-flight accounting, the module's queue) and complete it on a later
 * reactor pass, 32 at a time, on a reactor stepped by the benchmark thread.
 */
public class BdevSubmitBenchmark extends PerRequestBenchmark implements BdevIo.Completion {
    @Param({"READ", "WRITE"})
    public String type;
    private Reactors.SteppedReactor reactor;
    private BdevDescriptor descriptor;
    private IoChannel channel;
    private final Arena arena = Arena.ofShared();
    private final BdevIo[] ios = new BdevIo[BATCH];
    private MemorySegment buffer;
    private IoType ioType;
    private int completed;
    private int failed;

    @Setup
    public void setUp() {
        reactor = steppedReactor();
        BdevRegistryImpl registry = registryWithNullBdev();
        descriptor = registry.open(NULL_BDEV, OpenMode.WRITE_SHARED, "jmh", removed -> { });
        channel = descriptor.channel(reactor);
        buffer = arena.allocate(4096L * BATCH, 4096);
        ioType = IoType.valueOf(type);
        for (int i = 0; i < BATCH; i++) {
            ios[i] = new BdevIo(4);
        }
    }

    @TearDown
    public void tearDown() {
        channel.close();
        descriptor.close();
        arena.close();
    }

    @Override
    public void ioCompleted(BdevIo io, int status) {
        completed++;
        if (status != BdevIo.SUCCESS) {
            failed++;
        }
    }

    /** One batch: returns the requests that completed successfully. */
    int submitBatch() {
        completed = 0;
        failed = 0;
        for (int i = 0; i < BATCH; i++) {
            BdevIo io = ios[i];
            io.set(ioType, 8L * i, 8, this);
            io.addSegment(buffer, 4096L * i, 4096);
            channel.submit(io);
        }
        while (completed < BATCH) {
            reactor.step();
        }
        return completed - failed;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int nullBdev() {
        return submitBatch();
    }
}
