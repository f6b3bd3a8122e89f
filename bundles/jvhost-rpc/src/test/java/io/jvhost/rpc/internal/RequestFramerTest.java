package io.jvhost.rpc.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestFramerTest {
    private static List<String> feedByteByByte(RequestFramer f, String text) throws Exception {
        List<String> out = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.addAll(f.feed(new byte[] {b}, 1));
        }
        return out;
    }

    @Test
    void shouldCutBackToBackRequestsSplitAnywhere() throws Exception {
        String a = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"s\":\"}{[\\\"]\"},\"id\":1}";
        String b = "[{\"jsonrpc\":\"2.0\",\"method\":\"y\",\"id\":2}]";
        List<String> out = feedByteByByte(new RequestFramer(), a + "\n " + b + a);
        assertEquals(List.of(a, b, a), out);
    }

    @Test
    void shouldRefuseGarbageAndOversizedRequests() {
        RequestFramer f = new RequestFramer();
        assertThrows(RequestFramer.FramingException.class, () -> f.feed("hello".getBytes(), 5));
        RequestFramer g = new RequestFramer();
        byte[] open = new byte[RequestFramer.MAX_REQUEST_BYTES + 2];
        java.util.Arrays.fill(open, (byte) '[');
        assertThrows(RequestFramer.FramingException.class, () -> g.feed(open, open.length));
    }
}
