package io.jvhost.scsi;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A target's access path on one reactor (one per transport queue). Use it only on that reactor's
 * thread. LUNs attached or detached at run time are picked up by the next command.
 */
@ProviderType
public interface ScsiChannel {
    /** Executes {@code task}; its completion runs later on this reactor, exactly once. */
    void execute(ScsiTask task);

    /**
     * Runs a task-management function across every channel of the target; the completion runs on
     * this reactor once the tasks it ends have completed.
     */
    void manage(ScsiTmf tmf);

    /** Whether a LUN answers at {@code lun} (for transports that report a missing LUN themselves). */
    boolean hasLun(int lun);

    /** Tasks and functions accepted and not yet completed. */
    int inFlight();

    /** Deferred work (e.g. closing a detached LUN's bdev channel once drained); returns a work count. */
    int doWork();

    /** Releases the channel; call with nothing in flight. */
    void close();
}
