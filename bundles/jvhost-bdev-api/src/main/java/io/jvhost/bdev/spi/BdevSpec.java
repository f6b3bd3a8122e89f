package io.jvhost.bdev.spi;

import io.jvhost.bdev.IoType;
import java.util.Set;
import java.util.UUID;

/**
 * What a module declares about a new bdev.
 *
 * @param name unique name
 * @param uuid identity; null to generate one
 * @param moduleName the module, e.g. {@code malloc}
 * @param productName for identification pages
 * @param blockSize 512 or 4096
 * @param blockCount at least 1
 * @param optimalIoBoundary blocks, 0 for none
 * @param ioTypes supported operations
 * @param config the params that would recreate it (for save_config)
 */
public record BdevSpec(String name, UUID uuid, String moduleName, String productName, int blockSize, long blockCount,
        int optimalIoBoundary, Set<IoType> ioTypes, java.util.Map<String, Object> config) {
}
