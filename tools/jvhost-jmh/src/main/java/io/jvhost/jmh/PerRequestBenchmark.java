package io.jvhost.jmh;

import io.jvhost.bdev.core.internal.BdevRegistryImpl;
import io.jvhost.bdev.nullmod.internal.BenchNullBdevs;
import io.jvhost.reactor.Reactors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What every benchmark here shares (JMH's annotations are inherited): per-thread state, the mean time
 * of one operation in ns (each operation is a batch, divided by its requests), a short warm-up, one
 * fork with native access; and the real parts a benchmark starts from.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public abstract class PerRequestBenchmark {
    /** Requests per operation. */
    static final int BATCH = 32;
    /** The null bdev every benchmark over a bdev uses. */
    static final String NULL_BDEV = "Null0";

    /** A reactor the calling (benchmark) thread steps, bound to it. */
    static Reactors.SteppedReactor steppedReactor() {
        Reactors.SteppedReactor reactor = Reactors.stepped(0);
        reactor.bindToCurrentThread();
        return reactor;
    }

    /** A bdev registry holding a 4 GiB null bdev {@link #NULL_BDEV} with 512-byte blocks. */
    static BdevRegistryImpl registryWithNullBdev() {
        BdevRegistryImpl registry = new BdevRegistryImpl();
        BenchNullBdevs.create(registry, NULL_BDEV, 1L << 23, 512);
        return registry;
    }
}
