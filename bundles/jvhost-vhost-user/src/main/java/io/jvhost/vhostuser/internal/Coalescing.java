package io.jvhost.vhostuser.internal;

/**
 * A controller's interrupt coalescing (SPDK's {@code vhost_controller_set_coalescing}): while a queue
 * completes more than {@code iopsThreshold} requests a second, its interrupts to the guest are held
 * back by up to {@code delayBaseUs}, growing with the rate, so one interrupt reports many completions.
 * Written by the control plane, read by the queues.
 */
final class Coalescing {
    private volatile long delayBaseNanos;
    private volatile long iopsThreshold;

    void set(long delayBaseUs, long iopsThreshold) {
        this.iopsThreshold = iopsThreshold;
        this.delayBaseNanos = delayBaseUs * 1000;
    }

    /** 0 when coalescing is off. */
    long delayBaseNanos() {
        return delayBaseNanos;
    }

    long delayBaseUs() {
        return delayBaseNanos / 1000;
    }

    long iopsThreshold() {
        return iopsThreshold;
    }

    /** One queue's view: measures its completion rate each window and turns it into a delay. Reactor thread. */
    static final class Queue {
        static final long WINDOW_NANOS = 10_000_000;
        private final Coalescing settings;
        private long windowStart;
        private long windowCompleted;
        private long delayNanos;
        private long nextInterrupt;
        /** Entries were published without deciding on an interrupt. */
        boolean owed;

        Queue(Coalescing settings) {
            this.settings = settings;
        }

        boolean enabled() {
            return settings.delayBaseNanos() != 0;
        }

        /**
         * True when an interrupt may go out now; otherwise the caller publishes quietly and owes one
         * until {@link #due}. {@code completed} counts the queue's completions so far.
         */
        boolean mayInterrupt(long now, long completed) {
            if (now - windowStart >= WINDOW_NANOS) {
                long base = settings.delayBaseNanos();
                long threshold = Math.max(1, settings.iopsThreshold());
                long rate = (completed - windowCompleted) * 1_000_000_000L / Math.max(1, now - windowStart);
                // SPDK's rule: the delay grows with how far the rate is above the threshold; ours stops at the base
                delayNanos = rate <= threshold ? 0 : Math.min(base, base * (rate - threshold) / threshold);
                windowStart = now;
                windowCompleted = completed;
            }
            if (delayNanos == 0 || now - nextInterrupt >= 0) {
                nextInterrupt = now + delayNanos;
                return true;
            }
            return false;
        }

        /** True when an owed interrupt must go out now. */
        boolean due(long now) {
            return owed && now - nextInterrupt >= 0;
        }
    }
}
