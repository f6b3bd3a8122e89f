package io.jvhost.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvhost.config.Json;
import io.jvhost.config.internal.InitState;
import io.jvhost.config.internal.MethodRegistry;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;

/**
 * Feeds fuzzer bytes, cut into fuzzer-chosen chunks as a socket delivers them, to the RPC server's
 * request framer, and every framed request to the dispatcher over the real method registry. A
 * finding is an exception other than a framing refusal, or an answer that is not JSON-RPC 2.0: each
 * response must parse and carry "jsonrpc":"2.0", an id, and either a result or an error with an
 * integer code and a message.
 */
class JsonRpcFuzzTest {
    private static final RpcDispatcher DISPATCHER = new RpcDispatcher(registry(), "0.1.0-fuzz");

    @FuzzTest(maxDuration = "30s")
    void requests(FuzzedDataProvider data) {
        RequestFramer framer = new RequestFramer();
        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 512));
            List<String> requests;
            try {
                requests = framer.feed(chunk, chunk.length);
            } catch (RequestFramer.FramingException refused) {
                return; // the server answers with a parse error and closes the connection
            }
            for (String request : requests) {
                String response = DISPATCHER.handle(request);
                if (response != null) {
                    checkResponse(Json.parse(response));
                }
            }
        }
    }

    private static void checkResponse(Object response) {
        if (response instanceof List<?> batch) {
            assertTrue(!batch.isEmpty(), "an empty batch answer");
            batch.forEach(JsonRpcFuzzTest::checkOne);
        } else {
            checkOne(response);
        }
    }

    private static void checkOne(Object response) {
        assertTrue(response instanceof Map<?, ?>, "response is not an object: " + response);
        Map<?, ?> r = (Map<?, ?>) response;
        assertEquals("2.0", r.get("jsonrpc"));
        assertTrue(r.containsKey("id"), "response without an id");
        assertTrue(r.containsKey("result") != r.containsKey("error"), "needs exactly one of result and error");
        if (r.get("error") instanceof Map<?, ?> e) {
            assertTrue(e.get("code") instanceof Long && e.get("message") instanceof String, "error shape " + e);
        } else {
            assertTrue(!r.containsKey("error"), "error is not an object");
        }
    }

    /** The registry as DS would wire it outside the startup state (no --wait-for-rpc). */
    private static MethodRegistry registry() {
        BundleContext context = (BundleContext) Proxy.newProxyInstance(JsonRpcFuzzTest.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> null);
        MethodRegistry r = new MethodRegistry();
        try {
            Field init = MethodRegistry.class.getDeclaredField("init");
            init.setAccessible(true);
            init.set(r, new InitState(context));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        return r;
    }
}
