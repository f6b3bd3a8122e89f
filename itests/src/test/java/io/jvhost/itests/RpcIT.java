package io.jvhost.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The JSON-RPC socket as SPDK's rpc.py uses it: methods contributed by bundles, SPDK's error codes,
 * batches, and clients that send garbage, half a request, or never read, none of which stalls
 * another client.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RpcIT {
    private static final Path SOCKET = Path.of(System.getProperty("java.io.tmpdir"), "jvhost-rpc-it.sock");

    @Configuration
    public Option[] config() {
        return JvhostOptions.feature("jvhost-all", frameworkProperty("jvhost.rpc.socket").value(SOCKET.toString()));
    }

    /** A client of this test's socket. */
    private static final class Client implements AutoCloseable {
        private final RpcTestClient c = new RpcTestClient(SOCKET);

        void send(String text) {
            c.send(text);
        }

        Object read() throws IOException {
            return c.read();
        }

        Object call(String method, String params) throws IOException {
            return c.call(method, params);
        }

        @Override
        public void close() {
            c.close();
        }
    }

    private static Object result(Object response) {
        assertTrue("expected a result: " + response, ((Map<?, ?>) response).containsKey("result"));
        return ((Map<?, ?>) response).get("result");
    }

    private static long errorCode(Object response) {
        return (Long) ((Map<?, ?>) ((Map<?, ?>) response).get("error")).get("code");
    }

    @Test
    public void shouldServeSpdkMethodsWithSpdkErrorCodes() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(SOCKET)));
        try (Client c = new Client()) {
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) result(c.call("rpc_get_methods", null));
            assertTrue(names.containsAll(List.of("bdev_malloc_create", "vhost_create_blk_controller",
                    "vhost_get_controllers", "spdk_get_version")));
            assertEquals("Malloc9", result(c.call("bdev_malloc_create",
                    "{\"name\":\"Malloc9\",\"num_blocks\":2048,\"block_size\":512}")));
            assertEquals(-17, errorCode(c.call("bdev_malloc_create",
                    "{\"name\":\"Malloc9\",\"num_blocks\":2048,\"block_size\":512}")));
            assertEquals(-32602, errorCode(c.call("bdev_malloc_create", "{\"num_blocks\":\"many\"}")));
            assertEquals(-32602, errorCode(c.call("bdev_malloc_create", "[1,2]")));
            assertEquals(-32601, errorCode(c.call("no_such_method", null)));
            assertEquals(-19, errorCode(c.call("vhost_create_blk_controller",
                    "{\"ctrlr\":\"x\",\"dev_name\":\"NoSuchBdev\"}")));
            c.send("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"spdk_get_version\"}");
            assertEquals(-32600, errorCode(c.read()));
            c.send("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"spdk_get_version\"},"
                    + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"nope\"}]");
            List<?> batch = (List<?>) c.read();
            assertEquals(2, batch.size());
            assertEquals(-32601, errorCode(batch.get(1)));
            assertEquals(true, result(c.call("bdev_malloc_delete", "{\"name\":\"Malloc9\"}")));
        }
    }

    @Test
    public void badClientsShouldNotStallOthers() throws Exception {
        try (Client garbage = new Client(); Client half = new Client(); Client silent = new Client();
             Client good = new Client()) {
            garbage.send("this is not json");
            assertEquals(-32700, errorCode(garbage.read()));
            half.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"meth");
            // a client that asks and never reads its answers (300 answers overflow its socket buffer)
            for (int i = 0; i < 300; i++) {
                silent.send("{\"jsonrpc\":\"2.0\",\"id\":" + i + ",\"method\":\"rpc_get_methods\"}");
            }
            char[] big = new char[1 << 20];
            java.util.Arrays.fill(big, 'x');
            try (Client huge = new Client()) {
                huge.send("[\"" + new String(big));
                assertTrue(result(good.call("spdk_get_version", null)) instanceof Map);
            }
            assertTrue(result(good.call("spdk_get_version", null)) instanceof Map);
        }
    }
}
