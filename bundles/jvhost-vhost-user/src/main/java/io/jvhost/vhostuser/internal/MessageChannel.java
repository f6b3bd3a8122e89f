package io.jvhost.vhostuser.internal;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.vhostuser.internal.Protocol.*;

import io.jvhost.posix.Fd;
import io.jvhost.posix.NativeException;
import io.jvhost.posix.UnixSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire side of a session: reads one vhost-user message at a time (header, payload, passed fds)
 * and writes replies, into two buffers made once, so a long session allocates nothing per message.
 * Session thread only.
 */
final class MessageChannel {
    /** One message; its payload is valid until the next {@link #receive()}, its fds are the caller's. */
    record Message(int request, int flags, MemorySegment payload, List<Fd> fds) {
    }

    private final UnixSocket socket;
    private final MemorySegment in;
    private final MemorySegment out;

    MessageChannel(UnixSocket socket, Arena arena) {
        this.socket = socket;
        this.in = arena.allocate(HEADER_SIZE + MAX_PAYLOAD, 8);
        this.out = arena.allocate(HEADER_SIZE + MAX_REPLY, 8);
    }

    /**
     * The next message, or null at a clean end of stream. Descriptors that came with a message that
     * turned out malformed are closed before the exception leaves.
     */
    Message receive() throws IOException, ProtocolException {
        UnixSocket.Received r = socket.receive(in, HEADER_SIZE);
        List<Fd> fds = new ArrayList<>();
        for (int fd : r.fds()) {
            fds.add(new Fd(fd));
        }
        boolean ok = false;
        try {
            if (r.bytes() == 0) {
                return null;
            }
            if (r.bytes() < HEADER_SIZE && !socket.receiveFully(in.asSlice(r.bytes()), HEADER_SIZE - r.bytes())) {
                throw new ProtocolException("connection closed inside a message header");
            }
            int request = in.get(U32, 0);
            int flags = in.get(U32, 4);
            int size = in.get(U32, 8);
            if ((flags & 0x3) != VERSION) {
                throw new ProtocolException("message with protocol version " + (flags & 0x3) + " (expected 1)");
            }
            if (size < 0 || size > MAX_PAYLOAD) {
                throw new ProtocolException(name(request) + " with a " + Integer.toUnsignedString(size)
                        + "-byte payload (at most " + MAX_PAYLOAD + ")");
            }
            MemorySegment payload = in.asSlice(HEADER_SIZE, size);
            if (size > 0 && !socket.receiveFully(payload, size)) {
                throw new ProtocolException("connection closed inside a " + name(request) + " payload");
            }
            ok = true;
            return new Message(request, flags, payload, fds);
        } finally {
            if (!ok) {
                fds.forEach(Fd::close);
            }
        }
    }

    void replyU64(int request, long value) {
        out.set(U64, HEADER_SIZE, value);
        send(request, 8);
    }

    /** A reply, with descriptors to pass (GET_INFLIGHT_FD's memfd); the caller keeps its own copies. */
    void reply(int request, MemorySegment payload, int... fds) {
        if (payload.byteSize() > MAX_REPLY) {
            throw new IllegalStateException(name(request) + " reply of " + payload.byteSize() + " bytes (at most "
                    + MAX_REPLY + ")");
        }
        MemorySegment.copy(payload, 0, out, HEADER_SIZE, payload.byteSize());
        send(request, (int) payload.byteSize(), fds);
    }

    private void send(int request, int size, int... fds) {
        out.set(U32, 0, request);
        out.set(U32, 4, VERSION | FLAG_REPLY);
        out.set(U32, 8, size);
        try {
            socket.send(out, HEADER_SIZE + size, fds);
        } catch (NativeException e) {
            // the front-end went away (EPIPE, ECONNRESET): the session ends, it is not a fault of ours
            throw new UncheckedIOException(new IOException("reply " + name(request) + " not delivered: "
                    + e.getMessage(), e));
        }
    }
}
