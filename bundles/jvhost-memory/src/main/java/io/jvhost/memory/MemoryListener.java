package io.jvhost.memory;

import java.lang.foreign.MemorySegment;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Told about registered memory ({@link MemoryRegistry}): a listener registered as a service hears
 * about everything already registered when it arrives, then about each change, one call at a time.
 */
@ConsumerType
public interface MemoryListener {
    /** {@code memory} may now carry I/O data. */
    void memoryRegistered(MemorySegment memory);

    /** {@code memory} goes away once this returns; no I/O on it is outstanding. */
    void memoryUnregistering(MemorySegment memory);
}
