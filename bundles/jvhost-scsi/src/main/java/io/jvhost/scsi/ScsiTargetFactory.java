package io.jvhost.scsi;

import org.osgi.annotation.versioning.ProviderType;

/** Creates SCSI targets over the process's bdevs. Registered as a service by the SCSI bundle. */
@ProviderType
public interface ScsiTargetFactory {
    /** A new target with no LUNs; {@code name} appears in logs and errors. */
    ScsiTarget create(String name, ScsiTarget.Listener listener);
}
