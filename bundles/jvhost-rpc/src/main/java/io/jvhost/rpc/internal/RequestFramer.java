package io.jvhost.rpc.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a byte stream into complete top-level JSON texts, as SPDK's server reads requests: one object
 * (or a batch array) after another, with or without whitespace between them, split anywhere by the
 * transport. It tracks nesting outside strings; it does not validate (the parser does).
 */
final class RequestFramer {
    /** A request larger than this is refused, so one client cannot make the server buffer without end. */
    static final int MAX_REQUEST_BYTES = 4 << 20;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int depth;
    private boolean inString;
    private boolean escaped;

    /** Thrown when a request exceeds {@link #MAX_REQUEST_BYTES} or does not start like JSON. */
    static final class FramingException extends Exception {
        private static final long serialVersionUID = 1L;

        FramingException(String message) {
            super(message);
        }
    }

    /** Feeds {@code n} bytes; returns the texts they completed. */
    List<String> feed(byte[] data, int n) throws FramingException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte b = data[i];
            if (depth == 0 && !inString) {
                if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
                    continue;
                }
                if (b != '{' && b != '[') {
                    throw new FramingException("a request must be a JSON object or array; got '" + (char) (b & 0xFF)
                            + "'");
                }
            }
            pending.write(b);
            if (pending.size() > MAX_REQUEST_BYTES) {
                throw new FramingException("request larger than " + MAX_REQUEST_BYTES + " bytes");
            }
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                depth++;
            } else if (b == '}' || b == ']') {
                if (--depth == 0) {
                    out.add(pending.toString(StandardCharsets.UTF_8));
                    pending.reset();
                }
            }
        }
        return out;
    }
}
