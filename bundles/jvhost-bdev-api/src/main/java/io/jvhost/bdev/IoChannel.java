package io.jvhost.bdev;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A descriptor's access path on one reactor. Use it only on that reactor's thread. Requests that
 * are out of range, misaligned, unsupported or sent to a removed bdev complete with a failure
 * status (still asynchronously, still exactly once).
 */
@ProviderType
public interface IoChannel {
    /** Submits {@code io}; its completion runs later on this reactor. */
    void submit(BdevIo io);

    /** Requests submitted and not yet completed. */
    int inFlight();

    /** Releases this channel; call after every request completed. */
    void close();
}
