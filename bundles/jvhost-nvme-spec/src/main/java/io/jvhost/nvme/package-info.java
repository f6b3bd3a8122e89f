/**
 * NVMe 1.4 numbers and layouts in one place: submission and completion entries, status codes,
 * admin and NVM command sets, Identify data, features and log pages. Little-endian, as on the wire.
 */
@Export
@Version("1.1.0")
package io.jvhost.nvme;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
