/**
 * A SCSI target independent of any transport, as SPDK's lib/scsi: a {@link io.jvhost.scsi.ScsiTarget}
 * holds logical units backed by bdevs, a transport opens one {@link io.jvhost.scsi.ScsiChannel} per
 * reactor and hands it {@link io.jvhost.scsi.ScsiTask}s (CDB plus the initiator's data buffers) and
 * task-management functions ({@link io.jvhost.scsi.ScsiTmf}). Each completes exactly once on the
 * reactor that submitted it.
 */
@Export
@Version("1.0.0")
package io.jvhost.scsi;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
