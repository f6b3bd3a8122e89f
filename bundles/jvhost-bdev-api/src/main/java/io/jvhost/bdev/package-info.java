/**
 * Block devices as consumers see them (SPDK's bdev layer): open a {@link io.jvhost.bdev.Bdev} through
 * the {@link io.jvhost.bdev.BdevRegistry}, get a per-reactor {@link io.jvhost.bdev.IoChannel}, and
 * submit reusable {@link io.jvhost.bdev.BdevIo} requests that complete exactly once on that reactor.
 */
@Export
@Version("2.3.0")
package io.jvhost.bdev;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
