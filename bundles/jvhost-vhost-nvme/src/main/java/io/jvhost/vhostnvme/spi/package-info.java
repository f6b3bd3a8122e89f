/**
 * What an NVMe controller emulation asks of a Doorbell Buffer Config handler (NVMe 1.3 5.7), so that
 * shadow doorbells can come and go as a bundle of their own.
 */
@Export
@Version("1.0.0")
package io.jvhost.vhostnvme.spi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
