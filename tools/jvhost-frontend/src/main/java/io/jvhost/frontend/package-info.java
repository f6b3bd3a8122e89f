/**
 * A vhost-user front-end: what QEMU does for a vhost-user disk, in Java. It owns guest memory (a
 * memfd), drives the set-up sequence over the back-end's socket, runs the driver side of split
 * virtqueues and submits virtio-blk requests. Tests, benchmarks and Java programs use it to drive
 * any vhost-user-blk back-end (jvhost, qemu-storage-daemon, SPDK).
 */
@Export
@Version("1.1.0")
package io.jvhost.frontend;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
