package io.jvhost.reactor;

/**
 * A snapshot of a reactor's counters.
 *
 * @param busyNanos time spent in passes that found work
 * @param idleNanos time spent in passes that found none, including sleeping
 * @param passes number of passes over the pollers
 * @param sleeps number of times the reactor slept in interrupt mode
 */
public record ReactorStats(long busyNanos, long idleNanos, long passes, long sleeps) {
    /** Busy share of the measured time, 0-100. */
    public double busyPercent() {
        long total = busyNanos + idleNanos;
        return total == 0 ? 0 : 100.0 * busyNanos / total;
    }

    /** Counters accumulated since {@code earlier}. */
    public ReactorStats since(ReactorStats earlier) {
        return new ReactorStats(busyNanos - earlier.busyNanos, idleNanos - earlier.idleNanos,
                passes - earlier.passes, sleeps - earlier.sleeps);
    }
}
