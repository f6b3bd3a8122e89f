package io.jvhost.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Prometheus' text format: one HELP/TYPE per family, a family's samples grouped, escaped label values. */
class PrometheusTextTest {
    @Test
    void shouldGroupEachFamilysSamplesUnderOneHeaderAndEscapeLabels() {
        PrometheusText t = new PrometheusText();
        for (String bdev : new String[] {"a\"b\\c", "d"}) {
            t.family("x_total", "counter", "An example").sample(bdev.length(), "bdev", bdev);
            t.family("y_seconds", "histogram", "Another").sample("_count", 0.5, "bdev", bdev);
        }
        assertEquals("""
                # HELP x_total An example
                # TYPE x_total counter
                x_total{bdev="a\\"b\\\\c"} 5
                x_total{bdev="d"} 1
                # HELP y_seconds Another
                # TYPE y_seconds histogram
                y_seconds_count{bdev="a\\"b\\\\c"} 0.500000000
                y_seconds_count{bdev="d"} 0.500000000
                """, t.toString());
    }
}
