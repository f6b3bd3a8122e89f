/**
 * Virtio mechanics with no device semantics: guest memory mapped from a front-end's memory table,
 * bounds-checked address translation, descriptor chains and split virtqueues with the ordering and
 * notification-suppression rules of the virtio 1.2 specification.
 */
@Export
@Version("1.3.0")
package io.jvhost.virtio;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
