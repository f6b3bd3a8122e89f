package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * JSON-RPC cases for the in-framework tests: calls a method on the socket, checks the answer against the
 * SPDK code expected, and records that the method had a case, so a test can fail on methods without one.
 */
final class RpcCases implements AutoCloseable {
    static final long OK = 0, INVALID = -32602, NODEV = -19, EXISTS = -17, EBUSY = -16;
    private final RpcTestClient client;
    private final Set<String> covered;

    /** A client of {@code socket} that adds each method it calls to {@code covered}. */
    RpcCases(Path socket, Set<String> covered) {
        this.client = new RpcTestClient(socket);
        this.covered = covered;
    }

    /** Calls and checks: {@code expected} 0 wants a result (returned), otherwise that error code. */
    Object expect(String method, String params, long expected) throws IOException {
        covered.add(method);
        Map<?, ?> r = client.call(method, params);
        if (expected == OK) {
            assertTrue(method + " " + params + " -> " + r, r.containsKey("result"));
            return r.get("result");
        }
        assertTrue(method + " " + params + " -> " + r, r.containsKey("error"));
        assertEquals(method + " " + params + " -> " + r, expected, ((Map<?, ?>) r.get("error")).get("code"));
        return null;
    }

    @Override
    public void close() {
        client.close();
    }
}
