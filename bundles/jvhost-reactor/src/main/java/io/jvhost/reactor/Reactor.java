package io.jvhost.reactor;

import io.jvhost.posix.EventFd;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One polled-mode thread bound to one core. It owns its pollers and everything they touch; other
 * threads change that state only by {@link #execute} or {@link #call}, which run on the reactor.
 */
@ProviderType
public interface Reactor {
    /** Position of this reactor in its group, 0-based. */
    int index();

    /** The core this reactor runs on (or was meant to run on when pinning is not allowed). */
    int core();

    /** The Linux thread id of the reactor's thread ({@code /proc/PID/task/TID}); 0 until it started. */
    int osThreadId();

    /** True when called from this reactor's own thread. */
    boolean inReactor();

    /**
     * Runs {@code command} on the reactor thread, at the start of a later pass. Never blocks the
     * reactor; the caller may block briefly if the command queue is full. Fails once the reactor stopped.
     */
    void execute(Runnable command);

    /** Runs {@code task} on the reactor and completes the future with its result or failure. */
    default <T> CompletableFuture<T> call(Callable<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        execute(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Adds a poller; it runs from the next pass on. Must be called on the reactor thread. */
    void addPoller(Poller poller);

    /** Removes a poller; it does not run again after this returns. Must be called on the reactor thread. */
    void removePoller(Poller poller);

    /**
     * Wakes this reactor whenever {@code fd} is written while it sleeps in interrupt mode (watched
     * edge-triggered; the counter is not read, so whoever owns the eventfd may). Must be called on
     * the reactor thread.
     */
    void watch(EventFd fd);

    /** Stops watching {@code fd}. Must be called on the reactor thread. */
    void unwatch(EventFd fd);

    /**
     * For a poller whose next work is due at a time rather than on an event (requests a QoS limit
     * holds back until its next slice): called from its {@link Poller#prepareToSleep()}, it lets the
     * reactor sleep but wakes it within {@code nanos} (rounded up to whole milliseconds, epoll's
     * resolution). Reactors that never sleep need not do anything. Reactor thread only.
     */
    default void wakeWithin(long nanos) {
    }

    /** Pollers now registered; safe from any thread. */
    int pollerCount();

    /**
     * Bytes the reactor's thread has allocated on the Java heap since it started (the JVM's
     * per-thread allocation counter), or -1 where the JVM does not count; safe from any thread.
     * The I/O path allocates nothing in steady state, so this stays flat under load.
     */
    long allocatedBytes();

    /** Busy and total time and loop counts, read from any thread. */
    ReactorStats stats();

    /** The poller names, for listings; safe from any thread. */
    java.util.List<String> pollerNames();

    /** Each poller's id and run and busy counts, in the order the reactor runs them; safe from any thread. */
    java.util.List<PollerStats> pollerStats();
}
