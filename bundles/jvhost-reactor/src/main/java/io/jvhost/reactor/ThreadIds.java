package io.jvhost.reactor;

/**
 * How reactors appear where SPDK shows its lightweight threads ({@code thread_get_stats},
 * {@code framework_get_reactors}, {@code bdev_get_iostat} per channel): each reactor is one thread,
 * numbered from 1 as SPDK numbers threads.
 */
public final class ThreadIds {
    private ThreadIds() {
    }

    /** The SPDK-style thread id of reactor {@code index}. */
    public static int of(int reactorIndex) {
        return reactorIndex + 1;
    }

    /** The SPDK-style thread name of reactor {@code index}. */
    public static String name(int reactorIndex) {
        return "reactor_" + reactorIndex;
    }
}
