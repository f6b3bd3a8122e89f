/**
 * The module SPI: what a bdev module implements (a small table of operations, as in SPDK). The bdev
 * core wraps every module channel with range checks, statistics, retry queues and hot-remove.
 */
@Export
@Version("1.6.0")
package io.jvhost.bdev.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
