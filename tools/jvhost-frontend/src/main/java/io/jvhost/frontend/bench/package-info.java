/**
 * The load generator behind {@code blkperf}: {@link io.jvhost.frontend.bench.PerfDisk} puts a
 * vhost-user-blk disk, a vhost-user-scsi LUN or a vhost-user NVMe namespace behind one interface, and
 * {@link io.jvhost.frontend.bench.BlkPerf} keeps a queue depth of random reads or writes on it, for a
 * time (the benchmark) or for a number of requests (tests of properties under load).
 */
@Export
@Version("1.0.0")
package io.jvhost.frontend.bench;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
