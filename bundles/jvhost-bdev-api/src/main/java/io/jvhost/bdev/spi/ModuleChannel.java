package io.jvhost.bdev.spi;

import io.jvhost.bdev.BdevIo;
import io.jvhost.reactor.Poller;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A module's per-reactor channel. The core calls {@link #submit} only with requests already checked
 * against the bdev's size and supported types, and polls the channel as a {@link Poller}. The module
 * completes each accepted request once by calling {@link Completer#complete} from {@link #doWork()}.
 */
@ConsumerType
public interface ModuleChannel extends Poller {
    /** Hands the channel the completer it reports to; called once before the first submit. */
    void bind(Completer completer);

    /**
     * Starts {@code io}; returns false when out of resources (the core queues it and submits it again
     * later, never dropping it).
     */
    boolean submit(BdevIo io);

    /** Releases the channel's resources; called once nothing is in flight. */
    void close();

    /** Where a module channel reports finished requests. */
    @FunctionalInterface
    interface Completer {
        void complete(BdevIo io, int status);
    }
}
