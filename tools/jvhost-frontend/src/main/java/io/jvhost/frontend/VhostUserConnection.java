package io.jvhost.frontend;

import static io.jvhost.virtio.Layouts.U32;
import static io.jvhost.virtio.Layouts.U64;

import static io.jvhost.frontend.VhostUserMessages.*;

import io.jvhost.posix.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * The front-end's end of a vhost-user socket: sends messages (with file descriptors) and reads
 * replies. Raw access is public so conformance tests can send malformed messages too.
 */
public final class VhostUserConnection implements AutoCloseable {
    private static final int HEADER = 12;
    private final UnixSocket socket;
    private final Arena arena = Arena.ofShared();
    /** Largest reply accepted: an NVMe admin completion with a 4 KiB Identify page is the biggest. */
    private static final int MAX_REPLY = 8192;
    private final MemorySegment buffer = arena.allocate(HEADER + MAX_REPLY, 8);

    private VhostUserConnection(UnixSocket socket) {
        this.socket = socket;
    }

    public static VhostUserConnection connect(Path path) {
        return new VhostUserConnection(UnixSocket.connect(path));
    }

    /** Sends one message: header with {@code flags} (version added) and {@code payload}. */
    public synchronized void send(int request, int flags, byte[] payload, int... fds) {
        buffer.set(U32, 0, request);
        buffer.set(U32, 4, VERSION | flags);
        buffer.set(U32, 8, payload.length);
        MemorySegment.copy(payload, 0, buffer, ValueLayout.JAVA_BYTE, HEADER, payload.length);
        socket.send(buffer, HEADER + payload.length, fds);
    }

    /** Sends raw bytes as they are (for malformed-message tests). */
    public synchronized void sendRaw(byte[] bytes, int... fds) {
        MemorySegment.copy(bytes, 0, buffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        socket.send(buffer, bytes.length, fds);
    }

    /**
     * Reads one reply to {@code request} and returns its payload.
     *
     * @throws IOException when the back-end closed the connection or answered something else
     */
    public synchronized byte[] reply(int request) throws IOException {
        if (!socket.receiveFully(buffer, HEADER)) {
            throw new IOException("back-end closed the connection while a reply to message " + request + " was due");
        }
        int got = buffer.get(U32, 0);
        int flags = buffer.get(U32, 4);
        int size = buffer.get(U32, 8);
        if (got != request || (flags & FLAG_REPLY) == 0 || size < 0 || size > MAX_REPLY) {
            throw new IOException("expected a reply to message " + request + ", got message " + got + " flags 0x"
                    + Integer.toHexString(flags) + " size " + size);
        }
        if (size > 0 && !socket.receiveFully(buffer.asSlice(HEADER), size)) {
            throw new IOException("back-end closed the connection inside a reply to message " + request);
        }
        return buffer.asSlice(HEADER, size).toArray(ValueLayout.JAVA_BYTE);
    }

    /** A reply's payload and the descriptors that came with it (the caller owns them). */
    public record Reply(byte[] payload, int[] fds) {
    }

    /** Sends a message and reads a reply that may carry descriptors (GET_INFLIGHT_FD). */
    public synchronized Reply callForFds(int request, byte[] payload) throws IOException {
        send(request, 0, payload);
        UnixSocket.Received r = socket.receive(buffer, HEADER);
        if (r.bytes() < HEADER && !socket.receiveFully(buffer.asSlice(r.bytes()), HEADER - r.bytes())) {
            throw new IOException("back-end closed the connection while a reply to message " + request + " was due");
        }
        int size = buffer.get(U32, 8);
        if (buffer.get(U32, 0) != request || size < 0 || size > MAX_REPLY) {
            throw new IOException("expected a reply to message " + request + ", got message " + buffer.get(U32, 0));
        }
        if (size > 0 && !socket.receiveFully(buffer.asSlice(HEADER), size)) {
            throw new IOException("back-end closed the connection inside a reply to message " + request);
        }
        return new Reply(buffer.asSlice(HEADER, size).toArray(ValueLayout.JAVA_BYTE), r.fds());
    }

    /** Sends a message and reads its reply. */
    public byte[] call(int request, byte[] payload, int... fds) throws IOException {
        synchronized (this) {
            send(request, 0, payload, fds);
            return reply(request);
        }
    }

    /** Sends a message with NEED_REPLY and returns the back-end's ack value (0 = success). */
    public long callAck(int request, byte[] payload, int... fds) throws IOException {
        synchronized (this) {
            send(request, FLAG_NEED_REPLY, payload, fds);
            return u64(reply(request));
        }
    }

    /** True when the back-end closed the connection (a read returns end of stream). */
    public boolean closedByPeer() {
        try {
            return !socket.receiveFully(buffer, 1);
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    public static byte[] u64(long v) {
        byte[] b = new byte[8];
        MemorySegment.ofArray(b).set(U64, 0, v);
        return b;
    }

    public static long u64(byte[] b) {
        if (b.length != 8) {
            throw new IllegalArgumentException("expected an 8-byte reply, got " + b.length + " bytes");
        }
        return MemorySegment.ofArray(b).get(U64, 0);
    }

    /** A vring state payload: {u32 index, u32 num}. */
    public static byte[] vringState(int index, int num) {
        byte[] b = new byte[8];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(U32, 0, index);
        s.set(U32, 4, num);
        return b;
    }

    @Override
    public void close() {
        socket.close();
        arena.close();
    }
}
