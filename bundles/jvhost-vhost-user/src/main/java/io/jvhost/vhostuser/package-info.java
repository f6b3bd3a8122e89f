/**
 * The vhost-user back-end (QEMU's docs/interop/vhost-user.rst) and the SPI device types implement:
 * a {@link io.jvhost.vhostuser.VhostUserDevice} describes a device and opens one
 * {@link io.jvhost.vhostuser.DeviceQueue} per running virtqueue, on the reactor that polls it.
 */
@Export
@Version("1.4.0")
package io.jvhost.vhostuser;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
