package io.jvhost.plot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TicksTest {
    @Test
    void shouldPickRoundStepsThatCoverTheMaximum() {
        Ticks t = Ticks.upTo(3_870_000, 5);
        assertEquals(1_000_000, t.step);
        assertEquals(4_000_000, t.top);
        assertArrayEquals(new double[] {0, 0.5, 1, 1.5, 2, 2.5}, Ticks.upTo(2.3, 5).values(), 1e-12);
        assertEquals(20, Ticks.upTo(20, 5).top);
    }

    @Test
    void shouldLabelWithShortUnits() {
        assertEquals("1.5M", Ticks.label(1_500_000));
        assertEquals("250K", Ticks.label(250_000));
        assertEquals("2000", Ticks.label(2000));
        assertEquals("0.25", Ticks.label(0.25));
        assertEquals("0", Ticks.label(0));
    }
}
