package io.jvhost.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Map;

/**
 * Parses fuzzer-written JSON config documents and reads them the way config methods do. A finding
 * is an exception other than {@link Json.JsonException} from the parser or {@link MethodException}
 * from a typed parameter read, a document the writer cannot write back, or one whose written form
 * parses to something else (compact and pretty).
 */
class ConfigDocumentFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parseAndRead(FuzzedDataProvider data) {
        long min = data.consumeLong(), max = data.consumeLong();
        String text = data.consumeRemainingAsString();
        Object doc;
        try {
            doc = Json.parse(text);
        } catch (Json.JsonException refused) {
            return;
        }
        String compact = Json.write(doc);
        assertEquals(compact, Json.write(Json.parse(compact)), "compact form round trip");
        assertEquals(compact, Json.write(Json.parse(Json.writePretty(doc))), "pretty form round trip");
        readAsConfig(doc, min, max, 0);
    }

    /** Every object is read as a method's params, every member as each type a method may ask for. */
    private static void readAsConfig(Object value, long min, long max, int depth) {
        if (depth > Json.MAX_DEPTH) {
            throw new AssertionError("the parser returned a document deeper than " + Json.MAX_DEPTH);
        }
        if (value instanceof List<?> list) {
            list.forEach(v -> readAsConfig(v, min, max, depth + 1));
            return;
        }
        if (!(value instanceof Map<?, ?> map)) {
            return;
        }
        Params p = Params.of("fuzz", map);
        for (String key : p.asMap().keySet()) {
            tryRead(() -> p.string(key));
            tryRead(() -> p.string(key, "d"));
            tryRead(() -> p.integer(key));
            tryRead(() -> p.integer(key, 7));
            tryRead(() -> p.integerIn(key, Math.min(min, max), Math.max(min, max)));
            tryRead(() -> p.bool(key, false));
            tryRead(() -> p.list(key));
            tryRead(() -> p.allowOnly(java.util.Set.of(key)));
            readAsConfig(p.asMap().get(key), min, max, depth + 1);
        }
    }

    private static void tryRead(Runnable read) {
        try {
            read.run();
        } catch (MethodException refused) {
            // a wrong type or a value out of range: the method's declared error
        }
    }
}
