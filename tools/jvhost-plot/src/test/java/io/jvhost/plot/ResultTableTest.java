package io.jvhost.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultTableTest {
    private static final List<String> LINES = List.of(
            "{\"backend\":\"jvhost\",\"rw\":\"randread\",\"depth\":1,\"iops\":100}",
            "{\"backend\":\"qsd\",\"rw\":\"randread\",\"depth\":1,\"iops\":50}",
            "{\"backend\":\"jvhost\",\"rw\":\"randread\",\"depth\":32,\"iops\":400}",
            "median of 3 rounds",
            "{\"backend\":\"jvhost\",\"rw\":\"randread\",\"depth\":1,\"iops\":300}",
            "{\"backend\":\"jvhost\",\"rw\":\"randread\",\"depth\":1,\"iops\":200}",
            "{\"backend\":\"jvhost\",\"rw\":\"randwrite\",\"depth\":1,\"mean_us\":2.5}");

    @Test
    void shouldGroupByCategoryAndSeriesInRunOrderWithMedians() {
        ResultTable t = ResultTable.of(LINES, List.of(ResultTable.Axis.parse("rw"), ResultTable.Axis.parse("depth:qd")),
                "backend", "iops", Map.of());
        assertEquals(List.of("randread qd1", "randread qd32"), t.categories());
        assertEquals(List.of("jvhost", "qsd"), t.series());
        assertEquals(200, t.median("randread qd1", "jvhost"));
        assertEquals(50, t.median("randread qd1", "qsd"));
        assertTrue(Double.isNaN(t.median("randread qd32", "qsd")));
        assertEquals(3, t.rounds());
    }

    @Test
    void shouldKeepOnlyRowsThatMatchWhereAndHaveTheField() {
        ResultTable t = ResultTable.of(LINES, List.of(ResultTable.Axis.parse("depth")), "backend", "iops",
                Map.of("backend", "qsd"));
        assertEquals(List.of("1"), t.categories());
        assertEquals(List.of("qsd"), t.series());
        assertTrue(ResultTable.of(LINES, List.of(ResultTable.Axis.parse("rw")), null, "p99_us", Map.of()).isEmpty());
    }

    @Test
    void shouldTakeTheMeanOfTheMiddlePairForAnEvenCount() {
        ResultTable t = ResultTable.of(List.of("{\"a\":\"x\",\"v\":1}", "{\"a\":\"x\",\"v\":4}"),
                List.of(ResultTable.Axis.parse("a")), null, "v", Map.of());
        assertEquals(2.5, t.median("x", "v"));
    }
}
