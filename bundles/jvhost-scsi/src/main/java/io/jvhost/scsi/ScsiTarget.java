package io.jvhost.scsi;

import io.jvhost.reactor.Reactor;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A SCSI target device: logical units backed by bdevs, attached and detached while initiators run.
 * Control-plane methods are thread-safe and may block until reactors acknowledged a change; they
 * are never called on a reactor.
 */
@ProviderType
public interface ScsiTarget {
    /** Told about LUN changes, on a control thread; the transport forwards them to the initiator. */
    @ConsumerType
    interface Listener {
        void lunAttached(ScsiTarget target, int lun);

        void lunDetached(ScsiTarget target, int lun);

        /** Capacity changed (the LUN also reports CAPACITY DATA HAS CHANGED to the next command). */
        default void lunResized(ScsiTarget target, int lun) {
        }
    }

    /** A LUN as listed by management. */
    record LunInfo(int lun, String bdev, long blockCount, int blockSize) {
    }

    /** Highest LUN id accepted. */
    int MAX_LUN = 255;

    String name();

    /**
     * Attaches {@code bdevName} as LUN {@code lun} (shared write claim, as SPDK).
     *
     * @throws io.jvhost.bdev.BdevException when the bdev cannot be opened
     * @throws IllegalArgumentException for a LUN id out of range or already used
     */
    void attachLun(int lun, String bdevName);

    /**
     * Detaches LUN {@code lun}: new commands see no LUN, commands in flight finish, then the bdev is
     * released. Returns false when there was no such LUN.
     */
    boolean detachLun(int lun);

    List<LunInfo> luns();

    /** Opens this target's channel for {@code reactor}; call on that reactor's thread. */
    ScsiChannel openChannel(Reactor reactor);

    /** Detaches every LUN (bdevs released); the target accepts no more LUNs. */
    void close();
}
