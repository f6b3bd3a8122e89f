/**
 * SPDK-compatible configuration: JSON values, {@link io.jvhost.config.ConfigMethod} services that
 * bundles contribute (the same methods serve the JSON config file and JSON-RPC), and their errors.
 */
@Export
@Version("1.4.0")
package io.jvhost.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
