package io.jvhost.bdev.spi;

import io.jvhost.config.MethodException;
import io.jvhost.config.Params;
import java.util.UUID;

/** Parameters every bdev-creating method shares, checked the same way for every module. */
public final class BdevParams {
    private BdevParams() {
    }

    /** {@code block_size}: 512 or 4096 ({@code fallback} when absent). */
    public static int blockSize(Params p, int fallback) {
        long bs = p.integer("block_size", fallback);
        if (bs != 512 && bs != 4096) {
            throw MethodException.invalidParams(p.method() + ": block_size " + bs + " is not supported; use 512 or 4096");
        }
        return (int) bs;
    }

    /** Format keys SPDK's bdev_malloc_create and bdev_null_create take ({@link #checkFormat} reads them). */
    public static final java.util.Set<String> FORMAT_PARAMS = java.util.Set.of("physical_block_size", "md_size",
            "md_interleave", "dif_type", "dif_is_head_of_md", "dif_pi_format");

    /**
     * Checks SPDK's format parameters against what jvhost bdevs are: blocks without metadata or
     * protection information. A zero {@code md_size}/{@code dif_type}, the flags that only qualify
     * metadata, and a valid {@code physical_block_size} are accepted without effect (pass
     * {@link #FORMAT_PARAMS} to {@link Params#allowOnly(java.util.Set, java.util.Set)} after this
     * check, so a refused call is not logged as accepted); asking for metadata is refused.
     */
    public static void checkFormat(Params p, int blockSize) {
        if (p.integer("md_size", 0) != 0 || p.integer("dif_type", 0) != 0) {
            throw MethodException.invalidParams(p.method() + ": md_size " + p.integer("md_size", 0) + " / dif_type "
                    + p.integer("dif_type", 0) + ": jvhost bdevs have no per-block metadata or protection"
                    + " information; leave md_size and dif_type out (or 0)");
        }
        long physical = p.integer("physical_block_size", blockSize);
        if (physical < blockSize || Long.bitCount(physical) != 1) {
            throw MethodException.invalidParams(p.method() + ": physical_block_size " + physical
                    + " must be a power of two and at least block_size " + blockSize);
        }
    }

    /** {@code num_blocks}: at least 1, and the size in bytes must fit in {@code maxBytes}. */
    public static long numBlocks(Params p, int blockSize, long maxBytes, String limitReason) {
        long n = p.integer("num_blocks");
        if (n < 1) {
            throw MethodException.invalidParams(p.method() + ": num_blocks must be at least 1");
        }
        if (n > maxBytes / blockSize) {
            throw MethodException.invalidParams(p.method() + ": " + n + " blocks of " + blockSize + " bytes exceed "
                    + limitReason);
        }
        return n;
    }

    /** {@code uuid}, or null to have one generated. */
    public static UUID uuid(Params p) {
        if (!p.has("uuid")) {
            return null;
        }
        try {
            return UUID.fromString(p.string("uuid"));
        } catch (IllegalArgumentException e) {
            throw MethodException.invalidParams(p.method() + ": uuid '" + p.string("uuid") + "' is not a UUID");
        }
    }

    /** {@code name}, or the module's next default name. */
    public static String name(Params p, ModuleBdevs bdevs) {
        return p.has("name") ? p.string("name") : bdevs.nextName();
    }

    /** The params of a Gogo create command that gives a size in MiB: {name, block_size, num_blocks}. */
    public static Params sizedInMiB(String command, String name, long sizeMiB, int blockSize) {
        return new Params(command, java.util.Map.of("name", name, "block_size", (long) blockSize,
                "num_blocks", sizeMiB * 1048576 / blockSize));
    }

    /** The start of a size-defined bdev's saved create call: {name, num_blocks, block_size}. */
    public static java.util.Map<String, Object> sizeConfig(String name, long blocks, int blockSize) {
        java.util.Map<String, Object> config = new java.util.LinkedHashMap<>();
        config.put("name", name);
        config.put("num_blocks", blocks);
        config.put("block_size", blockSize);
        return config;
    }
}
