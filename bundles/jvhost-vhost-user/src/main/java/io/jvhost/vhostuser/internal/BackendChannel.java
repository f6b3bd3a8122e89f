package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U32;

import static io.jvhost.vhostuser.internal.Protocol.BACKEND_CONFIG_CHANGE_MSG;
import static io.jvhost.vhostuser.internal.Protocol.HEADER_SIZE;
import static io.jvhost.vhostuser.internal.Protocol.VERSION;

import io.jvhost.posix.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The back-end's own channel to the front-end (SET_BACKEND_REQ_FD), for messages the back-end
 * starts: config-change notices. Set on the session thread, used from any thread.
 */
final class BackendChannel {
    private static final Logger LOG = LoggerFactory.getLogger(BackendChannel.class);
    private final String controller;
    private volatile UnixSocket socket;

    BackendChannel(String controller) {
        this.controller = controller;
    }

    /** Adopts {@code fd} as the channel, closing the one it replaces. */
    void adopt(int fd) {
        UnixSocket old = socket;
        socket = UnixSocket.adopt(fd, "back-end channel of " + controller);
        if (old != null) {
            old.close();
        }
    }

    /** Tells the front-end the config space changed (capacity, for one), if there is a channel. */
    void notifyConfigChange() {
        UnixSocket s = socket;
        if (s == null) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(HEADER_SIZE, 8);
            m.set(U32, 0, BACKEND_CONFIG_CHANGE_MSG);
            m.set(U32, 4, VERSION);
            m.set(U32, 8, 0);
            s.send(m, HEADER_SIZE);
        } catch (RuntimeException e) {
            LOG.warn("controller {}: could not send a config-change message: {}", controller, e.getMessage());
        }
    }

    void close() {
        UnixSocket s = socket;
        socket = null;
        if (s != null) {
            s.close();
        }
    }
}
