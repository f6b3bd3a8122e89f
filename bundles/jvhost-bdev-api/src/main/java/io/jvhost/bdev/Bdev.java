package io.jvhost.bdev;

import java.util.Set;
import java.util.UUID;
import org.osgi.annotation.versioning.ProviderType;

/** A block device registered with the {@link BdevRegistry}. Immutable but for size and removal. */
@ProviderType
public interface Bdev {
    String name();

    UUID uuid();

    /** The module that provides it, e.g. {@code malloc}. */
    String moduleName();

    /** A product name for identification pages, e.g. {@code Malloc disk}. */
    String productName();

    /** Logical block size in bytes: 512 or 4096. */
    int blockSize();

    /** Number of blocks; changes when the bdev is resized. */
    long blockCount();

    /** Preferred I/O boundary in blocks (0 = none). */
    int optimalIoBoundary();

    Set<IoType> supportedIoTypes();

    default boolean supports(IoType type) {
        return supportedIoTypes().contains(type);
    }

    /** True once hot-removed: new I/O fails at once. */
    boolean isRemoved();

    /** Statistics summed over all channels. */
    BdevStats stats();

    /**
     * Statistics of the channels open now, summed per reactor (keyed by reactor index), as SPDK's
     * {@code bdev_get_iostat} with {@code per_channel} lists them per thread.
     */
    java.util.Map<Integer, BdevStats> statsPerReactor();

    /** The module's own description, shaped as SPDK's {@code driver_specific} for the same kind of bdev. */
    java.util.Map<String, Object> driverSpecific();

    /** Names of the current openers (for errors and listings). */
    java.util.List<String> openers();
}
