package io.jvhost.vhostuser.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogLimitTest {
    private final AtomicLong now = new AtomicLong(123_456_789L);
    private final LogLimit limit = new LogLimit(now::get);

    private void advanceSeconds(long s) {
        now.addAndGet(TimeUnit.SECONDS.toNanos(s));
    }

    @Test
    void shouldLetABurstThroughThenLeaveLinesOutUntilTheWindowEnds() {
        for (int i = 0; i < LogLimit.BURST; i++) {
            assertEquals("", limit.admit(), "line " + i);
        }
        for (int i = 0; i < 7; i++) {
            assertNull(limit.admit());
        }
        advanceSeconds(LogLimit.WINDOW_SECONDS - 1);
        assertNull(limit.admit(), "still the same window");
        advanceSeconds(1);
        assertEquals(" (8 lines of this controller left out before this: at most 10 per 5 s)", limit.admit());
        assertEquals("", limit.admit(), "the count is told once");
    }

    @Test
    void shouldTellASingleLeftOutLineInTheSingular() {
        for (int i = 0; i <= LogLimit.BURST; i++) {
            limit.admit();
        }
        advanceSeconds(60);
        assertEquals(" (1 line of this controller left out before this: at most 10 per 5 s)", limit.admit());
    }

    @Test
    void shouldNeverLeaveOutALineOfAControllerThatLogsSlowly() {
        for (int i = 0; i < 100; i++) {
            assertEquals("", limit.admit());
            advanceSeconds(1);
        }
    }
}
