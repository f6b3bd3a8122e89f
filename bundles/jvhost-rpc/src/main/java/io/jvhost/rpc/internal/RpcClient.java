package io.jvhost.rpc.internal;

import io.jvhost.config.Json;
import io.jvhost.posix.UnixSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./jvhost rpc [-s SOCKET] METHOD [key=value ...]}: one JSON-RPC call, for scripts. Values that
 * read as integers, true/false or JSON ({...}, [...]) are sent as such, others as strings. Prints the
 * result as JSON; on an error prints the code and message and exits 1.
 *
 * <p>{@code ./jvhost rpc [-s SOCKET] --server}, as SPDK's {@code rpc.py --server}: reads calls from
 * standard input, one per line in the same words (quoted as a shell would, {@code -s} allowed), makes
 * each on a connection of its own and ends its output with {@code **STATUS=0} or {@code **STATUS=1}.
 * A script that makes many calls then starts one JVM instead of one per call, which matters where a
 * JVM starts slowly (a TCG guest: tens of seconds each).
 */
public final class RpcClient {
    static final String USAGE = "usage: jvhost rpc [-s SOCKET] METHOD [key=value ...] | jvhost rpc [-s SOCKET] --server";
    static final String STATUS = "**STATUS=";

    private RpcClient() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        PrintStream err = System.err;
        List<String> words = List.of(args);
        String socket = RpcServer.DEFAULT_SOCKET;
        int first = socketWords(words);
        if (first > 0) {
            socket = words.get(1);
            words = words.subList(first, words.size());
        }
        if (words.equals(List.of("--server"))) {
            serve(socket, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out);
            System.exit(0);
        }
        System.exit(call(socket, words, out, err));
    }

    /** Runs each line of {@code in} as one call until end of input; every answer ends with its status line. */
    static void serve(String socket, BufferedReader in, PrintStream out) throws IOException {
        for (String line; (line = in.readLine()) != null; ) {
            if (line.isBlank()) {
                continue;
            }
            int status;
            try {
                status = call(socket, words(line), out, out);
            } catch (IllegalArgumentException e) {
                out.println("jvhost rpc: " + e.getMessage());
                status = 2;
            }
            out.println(STATUS + (status == 0 ? 0 : 1));
            out.flush();
        }
    }

    /** One call from its words ({@code [-s SOCKET] METHOD key=value...}); returns the exit status. */
    static int call(String socket, List<String> words, PrintStream out, PrintStream err) {
        int i = socketWords(words);
        if (i > 0) {
            socket = words.get(1);
        }
        if (i >= words.size()) {
            err.println(USAGE);
            return 2;
        }
        String method = words.get(i++);
        Map<String, Object> params = new LinkedHashMap<>();
        for (; i < words.size(); i++) {
            String w = words.get(i);
            int eq = w.indexOf('=');
            if (eq <= 0) {
                err.println("jvhost rpc: '" + w + "' is not key=value");
                return 2;
            }
            try {
                params.put(w.substring(0, eq), value(w.substring(eq + 1)));
            } catch (Json.JsonException e) {
                err.println("jvhost rpc: " + w.substring(0, eq) + ": not JSON: " + e.getMessage());
                return 2;
            }
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
            err.println("jvhost rpc: " + e.getMessage());
            return 1;
        }
        if (response instanceof Map<?, ?> m && m.get("error") instanceof Map<?, ?> e) {
            err.println("jvhost rpc: " + method + " failed (" + e.get("code") + "): " + e.get("message"));
            return 1;
        }
        out.println(Json.writePretty(response instanceof Map<?, ?> m ? m.get("result") : response));
        return 0;
    }

    /** 2 when {@code words} begin with {@code -s SOCKET} (or SPDK's {@code -r SOCKET}), else 0. */
    private static int socketWords(List<String> words) {
        return words.size() > 1 && (words.get(0).equals("-s") || words.get(0).equals("-r")) ? 2 : 0;
    }

    /**
     * A line split into words as a POSIX shell splits it: blanks separate words, single quotes keep
     * everything, double quotes keep all but a backslash before {@code " \ $ `}, a backslash outside
     * quotes keeps the next character.
     */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\\') {
                if (++i == line.length()) {
                    throw new IllegalArgumentException("a backslash ends the line: " + line);
                }
                word.append(line.charAt(i));
            } else if (c == '\'') {
                int close = line.indexOf('\'', i + 1);
                if (close < 0) {
                    throw new IllegalArgumentException("a single quote is not closed: " + line);
                }
                word.append(line, i + 1, close);
                i = close;
            } else if (c == '"') {
                for (i++; ; i++) {
                    if (i == line.length()) {
                        throw new IllegalArgumentException("a double quote is not closed: " + line);
                    }
                    char d = line.charAt(i);
                    if (d == '"') {
                        break;
                    }
                    if (d == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                        d = line.charAt(++i);
                    }
                    word.append(d);
                }
            } else {
                word.append(c);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
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
