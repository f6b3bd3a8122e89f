/**
 * jvhost's user-space NVMe driver: attach a PCIe controller bound to vfio-pci
 * ({@link io.jvhost.nvme.driver.NvmeDriver#attach}), read its Identify data, and drive I/O through
 * polled {@link io.jvhost.nvme.driver.NvmeQueuePair}s, one per reactor, with no interrupts and no
 * system calls on the I/O path.
 */
@Export
@Version("3.0.0")
package io.jvhost.nvme.driver;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
