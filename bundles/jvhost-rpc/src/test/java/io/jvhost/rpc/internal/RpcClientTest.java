package io.jvhost.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RpcClientTest {
    @TempDir
    Path dir;

    @Test
    void shouldSplitALineAsAShellWould() {
        assertEquals(List.of("bdev_get_bdevs"), RpcClient.words("  bdev_get_bdevs  "));
        assertEquals(List.of("-s", "/tmp/a b.sock", "m", "name=x y", "q=it's"),
                RpcClient.words("-s '/tmp/a b.sock' m \"name=x y\" q=it\\'s"));
        assertEquals(List.of("params={\"a\": [1, 2]}"), RpcClient.words("'params={\"a\": [1, 2]}'"));
        assertEquals(List.of("a\"b\\c", ""), RpcClient.words("\"a\\\"b\\\\c\" ''"));
        assertEquals(List.of("ab"), RpcClient.words("a\"\"b"));
    }

    @Test
    void shouldRefuseALineWithAnOpenQuote() {
        assertThrows(IllegalArgumentException.class, () -> RpcClient.words("m name='x"));
        assertThrows(IllegalArgumentException.class, () -> RpcClient.words("m name=\"x"));
        assertThrows(IllegalArgumentException.class, () -> RpcClient.words("m name=x\\"));
    }

    /** Every line is answered with a status line, a failed call or a bad line included, and serving goes on. */
    @Test
    void shouldEndEachAnswerWithItsStatusAndGoOnAfterAFailure() throws Exception {
        String missing = dir.resolve("none.sock").toString();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        RpcClient.serve(missing, new BufferedReader(new StringReader(
                "rpc_get_methods\n\nm name='open\nm notkeyvalue\nm 'p={'\n")), out);
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4, lines.stream().filter(l -> l.startsWith(RpcClient.STATUS)).count(), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.equals(RpcClient.STATUS + "1") || l.startsWith("jvhost rpc: ")),
                lines.toString());
        assertTrue(lines.get(0).contains("cannot connect to " + missing), lines.toString());
        assertTrue(lines.get(2).contains("single quote is not closed"), lines.toString());
        assertTrue(lines.get(4).contains("'notkeyvalue' is not key=value"), lines.toString());
        assertTrue(lines.get(6).contains("p: not JSON"), lines.toString());
    }
}
