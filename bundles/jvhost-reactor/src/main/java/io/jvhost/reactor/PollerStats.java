package io.jvhost.reactor;

/**
 * What one poller on a reactor has done, as SPDK's {@code thread_get_pollers} reports a poller.
 *
 * @param name the poller's {@link Poller#name()}
 * @param id a number unique on its reactor, given when the poller was added
 * @param runCount how many times the reactor called its {@link Poller#doWork()}
 * @param busyCount how many of those calls found work
 */
public record PollerStats(String name, long id, long runCount, long busyCount) {
}
