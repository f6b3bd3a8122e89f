package io.jvhost.bdev;

import org.osgi.annotation.versioning.ConsumerType;

/** Told about changes to an opened bdev. Called on a control thread, never on a reactor. */
@ConsumerType
public interface BdevEventListener {
    /**
     * The bdev is being removed. New I/O already fails; close the descriptor soon. Removal waits
     * for the descriptor's channels to drain and close.
     */
    void removed(Bdev bdev);

    /** The bdev's block count changed. */
    default void resized(Bdev bdev, long oldBlockCount, long newBlockCount) {
    }
}
