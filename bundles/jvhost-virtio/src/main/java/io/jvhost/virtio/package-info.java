/**
 * Virtio mechanics with no device semantics: descriptor chains read into scatter-gather lists, and
 * split and packed virtqueues with the ordering and notification-suppression rules of the virtio 1.2
 * specification, over guest memory from {@code io.jvhost.memory}.
 */
@Export
@Version("2.2.0")
package io.jvhost.virtio;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
