package io.jvhost.bdev.nullmod.internal;

import io.jvhost.bdev.BdevRegistry;
import io.jvhost.config.Params;
import java.util.Map;

/** Creates null bdevs through the module's own bdev_null_create, for benchmarks. */
public final class BenchNullBdevs {
    private BenchNullBdevs() {
    }

    public static void create(BdevRegistry registry, String name, long blocks, int blockSize) {
        new NullModule(registry).create(new Params("bdev_null_create",
                Map.of("name", name, "num_blocks", blocks, "block_size", blockSize)));
    }
}
