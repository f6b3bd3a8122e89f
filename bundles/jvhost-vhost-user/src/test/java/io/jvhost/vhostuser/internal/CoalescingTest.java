package io.jvhost.vhostuser.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The coalescing rule on a synthetic clock: below the threshold nothing waits; above it, interrupts space out. */
class CoalescingTest {
    private static final long MS = 1_000_000;

    @Test
    void shouldNeverHoldInterruptsWhenOffOrBelowTheThreshold() {
        Coalescing settings = new Coalescing();
        Coalescing.Queue q = new Coalescing.Queue(settings);
        assertFalse(q.enabled());
        settings.set(100, 10_000);
        assertTrue(q.enabled());
        // 50 completions per 10 ms window = 5 000/s: below 10 000/s
        long completed = 0;
        for (long t = 0; t < 100 * MS; t += MS / 10) {
            completed += 5 * (t % MS == 0 ? 1 : 0);
            assertTrue(q.mayInterrupt(t, completed), "at " + t);
        }
    }

    @Test
    void shouldSpaceInterruptsOutUpToTheBaseDelayAboveTheThreshold() {
        Coalescing settings = new Coalescing();
        settings.set(200, 1_000);
        Coalescing.Queue q = new Coalescing.Queue(settings);
        long completed = 0;
        long allowed = 0;
        long last = -1;
        long minGap = Long.MAX_VALUE;
        // a completion every 10 us = 100 000/s, far above 1 000/s: the delay reaches its 200 us cap
        for (long t = 0; t < 50 * MS; t += 10_000) {
            completed++;
            if (q.mayInterrupt(t, completed)) {
                if (last >= 0 && t > 20 * MS) {
                    minGap = Math.min(minGap, t - last);
                }
                last = t;
                if (t >= 10 * MS) {
                    allowed++; // the first 10 ms window measures the rate: nothing is held yet
                }
            } else {
                q.owed = true;
            }
        }
        assertTrue(minGap >= 200_000, "interrupts at least the base delay apart once measured: " + minGap);
        // 40 ms at one interrupt per 200 us: about 200 for 4 000 completions
        assertTrue(allowed <= 205, "far fewer interrupts than completions: " + allowed);
        // an owed interrupt falls due once the delay passed
        assertTrue(q.owed);
        assertFalse(q.due(last + 100_000));
        assertTrue(q.due(last + 200_000));
    }

    @Test
    void shouldStopHoldingOnceTheRateFalls() {
        Coalescing settings = new Coalescing();
        settings.set(500, 1_000);
        Coalescing.Queue q = new Coalescing.Queue(settings);
        long completed = 0;
        long t = 0;
        for (; t < 20 * MS; t += 10_000) {
            q.mayInterrupt(t, ++completed);
        }
        // then one completion per 5 ms = 200/s for a while: every interrupt goes out at once again
        for (int i = 0; i < 4; i++) {
            t += 5 * MS;
            q.mayInterrupt(t, ++completed);
        }
        t += 5 * MS;
        assertTrue(q.mayInterrupt(t, ++completed));
        assertTrue(q.mayInterrupt(t + 1000, completed));
    }
}
