package io.jvhost.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void shouldRoundTripSpdkConfigDocument() {
        String text = """
            {"subsystems":[{"subsystem":"bdev","config":[{"method":"bdev_malloc_create",
             "params":{"name":"Malloc0","num_blocks":32768,"block_size":512,"ratio":0.5,"ro":false,"x":null,
             "s":"a\\"b\\u00e9\\n"}}]}]}""";
        Object doc = Json.parse(text);
        Map<?, ?> params = (Map<?, ?>) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) ((List<?>) ((Map<?, ?>) doc)
                .get("subsystems")).get(0)).get("config")).get(0)).get("params");
        assertEquals(32768L, params.get("num_blocks"));
        assertEquals(0.5, params.get("ratio"));
        assertEquals(false, params.get("ro"));
        assertTrue(params.containsKey("x") && params.get("x") == null);
        assertEquals("a\"bé\n", params.get("s"));
        assertEquals(doc, Json.parse(Json.write(doc)));
        assertEquals(doc, Json.parse(Json.writePretty(doc)));
    }

    @Test
    void shouldRejectMalformedTextWithPosition() {
        for (String bad : new String[] {"{", "{\"a\":}", "[1,]", "{\"a\" 1}", "tru", "\"abc", "1 2", "{\"a\":1}}",
            "99999999999999999999", "[" .repeat(100) + "]".repeat(100)}) {
            Json.JsonException e = assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("invalid JSON at line"), e.getMessage());
        }
    }

    @Test
    void paramsShouldNameMethodKeyAndProblem() {
        Params p = Params.of("bdev_null_create", Json.parse("{\"name\":\"n\",\"num_blocks\":\"10\",\"bogus\":1}"));
        MethodException e = assertThrows(MethodException.class, () -> p.integer("num_blocks"));
        assertEquals(MethodException.INVALID_PARAMS, e.code());
        assertEquals("bdev_null_create: 'num_blocks' must be an integer, got \"10\"", e.getMessage());
        e = assertThrows(MethodException.class, () -> p.string("missing"));
        assertTrue(e.getMessage().contains("missing required parameter 'missing'"));
        e = assertThrows(MethodException.class, () -> p.allowOnly(java.util.Set.of("name", "num_blocks")));
        assertTrue(e.getMessage().contains("unknown parameter 'bogus'"));
        assertEquals(7, Params.of("m", Json.parse("{\"q\":7}")).integer("q", 1, 1, 8));
        assertThrows(MethodException.class, () -> Params.of("m", Json.parse("{\"q\":9}")).integer("q", 1, 1, 8));
        assertThrows(MethodException.class, () -> Params.of("m", List.of()));
    }
}
