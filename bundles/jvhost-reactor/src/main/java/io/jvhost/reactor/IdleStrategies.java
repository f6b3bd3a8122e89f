package io.jvhost.reactor;

import java.util.List;

/** Names of the idle strategies reactors can be configured with. */
public final class IdleStrategies {
    /** Spin without pause: lowest latency, a full core per reactor. */
    public static final String BUSY_SPIN = "busy-spin";
    /** Spin, then yield, then park with growing pauses up to 1 ms. */
    public static final String BACKOFF = "backoff";
    /** Spin briefly, then sleep on epoll until a message or a watched eventfd wakes the reactor. */
    public static final String INTERRUPT = "interrupt";

    public static final List<String> NAMES = List.of(BUSY_SPIN, BACKOFF, INTERRUPT);

    private IdleStrategies() {
    }

    /** Returns {@code name} if known; throws listing the known names otherwise. */
    public static String require(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown idle strategy '" + name + "': choose one of " + NAMES);
        }
        return name;
    }
}
