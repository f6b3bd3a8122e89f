package io.jvhost.rpc.internal;

import io.jvhost.config.Json;
import io.jvhost.posix.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./jvhost rpc [-s SOCKET] METHOD [key=value ...]}: one JSON-RPC call, for scripts. Values that
 * read as integers, true/false or JSON ({...}, [...]) are sent as such, others as strings. Prints the
 * result as JSON; on an error prints the code and message and exits 1.
 */
public final class RpcClient {
    private RpcClient() {
    }

    public static void main(String[] args) {
        String socket = RpcServer.DEFAULT_SOCKET;
        int i = 0;
        if (args.length > 1 && (args[0].equals("-s") || args[0].equals("-r"))) {
            socket = args[1];
            i = 2;
        }
        if (i >= args.length) {
            System.err.println("usage: jvhost rpc [-s SOCKET] METHOD [key=value ...]");
            System.exit(2);
        }
        String method = args[i++];
        Map<String, Object> params = new LinkedHashMap<>();
        for (; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("jvhost rpc: '" + args[i] + "' is not key=value");
                System.exit(2);
            }
            params.put(args[i].substring(0, eq), value(args[i].substring(eq + 1)));
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("jsonrpc", "2.0");
        request.put("method", method);
        request.put("id", 1L);
        if (!params.isEmpty()) {
            request.put("params", params);
        }
        Object response;
        try {
            response = call(Path.of(socket), Json.write(request));
        } catch (IOException e) {
            System.err.println("jvhost rpc: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (response instanceof Map<?, ?> m && m.get("error") instanceof Map<?, ?> err) {
            System.err.println("jvhost rpc: " + method + " failed (" + err.get("code") + "): " + err.get("message"));
            System.exit(1);
        }
        System.out.println(Json.writePretty(response instanceof Map<?, ?> m ? m.get("result") : response));
    }

    static Object value(String v) {
        if (v.matches("-?[0-9]+")) {
            return Long.parseLong(v);
        }
        if (v.equals("true") || v.equals("false")) {
            return Boolean.parseBoolean(v);
        }
        if (v.startsWith("{") || v.startsWith("[")) {
            return Json.parse(v);
        }
        return v;
    }

    /** Sends one request and reads the one response. */
    static Object call(Path socket, String request) throws IOException {
        UnixSocket s;
        try {
            s = UnixSocket.connect(socket);
        } catch (RuntimeException e) {
            throw new IOException("cannot connect to " + socket + " (is jvhost running with -r " + socket + "?): "
                    + e.getMessage(), e);
        }
        try (s; Arena arena = Arena.ofConfined()) {
            byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
            MemorySegment out = arena.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, out, ValueLayout.JAVA_BYTE, 0, bytes.length);
            s.send(out, bytes.length);
            RequestFramer framer = new RequestFramer();
            MemorySegment buf = arena.allocate(65536);
            byte[] chunk = new byte[65536];
            while (true) {
                UnixSocket.Received r = s.receive(buf, chunk.length);
                if (r.bytes() == 0) {
                    throw new IOException("jvhost closed the connection without answering");
                }
                MemorySegment.copy(buf, ValueLayout.JAVA_BYTE, 0, chunk, 0, (int) r.bytes());
                List<String> texts = framer.feed(chunk, (int) r.bytes());
                if (!texts.isEmpty()) {
                    return Json.parse(texts.get(0));
                }
            }
        } catch (RequestFramer.FramingException e) {
            throw new IOException("malformed response: " + e.getMessage(), e);
        }
    }
}
