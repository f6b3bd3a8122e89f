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

    /** Names of the current openers (for errors and listings). */
    java.util.List<String> openers();
}
