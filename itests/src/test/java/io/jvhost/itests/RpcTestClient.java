package io.jvhost.itests;

import io.jvhost.config.Json;
import io.jvhost.posix.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A raw JSON-RPC client on the Unix socket, as rpc.py talks to SPDK: send text, read one answer line. */
final class RpcTestClient implements AutoCloseable {
    private final UnixSocket s;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment buf = arena.allocate(1 << 20);
    private int id;

    RpcTestClient(Path socket) {
        this.s = UnixSocket.connect(socket);
    }

    void send(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        MemorySegment m = arena.allocate(b.length);
        MemorySegment.copy(b, 0, m, ValueLayout.JAVA_BYTE, 0, b.length);
        s.send(m, b.length);
    }

    /** Reads one response (up to a newline) and parses it. */
    Object read() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (sb.indexOf("\n") < 0) {
            UnixSocket.Received r = s.receive(buf, buf.byteSize());
            if (r.bytes() == 0) {
                throw new IOException("closed");
            }
            sb.append(new String(buf.asSlice(0, r.bytes()).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
        }
        return Json.parse(sb.substring(0, sb.indexOf("\n")));
    }

    /** Calls {@code method} with {@code params} (JSON text or null) under a fresh id; checks the id of the answer. */
    java.util.Map<?, ?> call(String method, String params) throws IOException {
        int myId = ++id;
        send("{\"jsonrpc\":\"2.0\",\"id\":" + myId + ",\"method\":\"" + method + "\""
                + (params == null ? "" : ",\"params\":" + params) + "}");
        java.util.Map<?, ?> response = (java.util.Map<?, ?>) read();
        if (!Long.valueOf(myId).equals(response.get("id"))) {
            throw new IOException("answer " + response + " does not carry request id " + myId);
        }
        return response;
    }

    @Override
    public void close() {
        s.close();
        arena.close();
    }
}
