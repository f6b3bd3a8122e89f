package io.jvhost.vhostuser;

import io.jvhost.reactor.CpuMask;
import io.jvhost.reactor.ReactorGroup;
import io.jvhost.vhostuser.internal.Listener;
import java.nio.file.Path;

/**
 * A listening vhost-user socket for one controller. One front-end is served at a time; when it
 * disconnects, its queues drain and its memory is released, and the next front-end can connect.
 */
public final class VhostUserTarget implements AutoCloseable {
    private final Listener listener;

    private VhostUserTarget(Listener listener) {
        this.listener = listener;
    }

    /**
     * Listens at {@code socket} (a stale socket file is replaced; a live one is refused) with the given
     * ownership; queues run on reactors of {@code cpumask} (null: any).
     */
    public static VhostUserTarget listen(String controller, Path socket, SocketOptions options, VhostUserDevice device,
            ReactorGroup reactors, CpuMask cpumask) {
        return listen(controller, socket, options, device, reactors, cpumask, () -> null);
    }

    /**
     * As {@link #listen(String, Path, SocketOptions, VhostUserDevice, ReactorGroup, CpuMask)}, and each
     * session registers the guest's memory with the registry {@code memory} supplies (when it supplies
     * one), so bdev modules that do DMA map it and serve the guest's I/O without a copy.
     */
    public static VhostUserTarget listen(String controller, Path socket, SocketOptions options, VhostUserDevice device,
            ReactorGroup reactors, CpuMask cpumask, java.util.function.Supplier<io.jvhost.memory.MemoryRegistry> memory) {
        return new VhostUserTarget(Listener.start(controller, socket, options, device, reactors, cpumask, memory));
    }

    public Path socket() {
        return listener.socket();
    }

    /** True while a front-end is connected. */
    public boolean connected() {
        return listener.connected();
    }

    /** Numbers of the sessions connected now, in the order they connected. */
    public java.util.List<Integer> sessions() {
        return listener.sessions();
    }

    /** Requests completed per queue in the current and earlier sessions. */
    public long[] completedPerQueue() {
        return listener.completedPerQueue();
    }

    /**
     * Interrupt coalescing for this controller's queues (SPDK's {@code vhost_controller_set_coalescing}):
     * above {@code iopsThreshold} completions a second per queue, interrupts are held back by up to
     * {@code delayBaseUs}. 0 turns it off. Takes effect within a few milliseconds, also on running queues.
     */
    public void setCoalescing(long delayBaseUs, long iopsThreshold) {
        if (delayBaseUs < 0 || iopsThreshold < 0) {
            throw new IllegalArgumentException("coalescing delay and threshold must not be negative");
        }
        listener.setCoalescing(delayBaseUs, iopsThreshold);
    }

    public long coalescingDelayBaseUs() {
        return listener.coalescingDelayBaseUs();
    }

    public long coalescingIopsThreshold() {
        return listener.coalescingIopsThreshold();
    }

    /** Sends the front-end a config-change message (e.g. the capacity changed). */
    public void notifyConfigChange() {
        listener.notifyConfigChange();
    }

    /** Stops listening, ends the session (its queues drain first) and removes the socket file. */
    @Override
    public void close() {
        listener.close();
    }
}
