/**
 * Memory that devices address, below the transports, the block layer and the drivers alike: guest
 * memory mapped from a front-end's memory table with bounds-checked translation, the one
 * scatter-gather flyweight ({@link io.jvhost.memory.SgList}) that a virtqueue chain fills and a bdev
 * reads in place, and the registry that announces memory to DMA-capable drivers (SPDK's
 * {@code spdk_mem_register}).
 */
@Export
@Version("1.0.0")
package io.jvhost.memory;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
