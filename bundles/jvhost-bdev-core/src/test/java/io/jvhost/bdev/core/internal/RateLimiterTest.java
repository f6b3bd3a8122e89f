package io.jvhost.bdev.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvhost.bdev.IoType;
import org.junit.jupiter.api.Test;

/** QoS token buckets over a clock the test moves: quotas per 1 ms slice, no saved-up bursts, byte debt. */
class RateLimiterTest {
    private static final long MS = RateLimiter.SLICE_NANOS;

    /** Requests admitted in one second when the driver always has more waiting. */
    private static int admittedInOneSecond(RateLimiter r, IoType type, long bytes) {
        int n = 0;
        for (long t = 0; t < 1000 * MS; t += MS / 10) {
            while (r.admit(type, bytes, 5_000 * MS + t)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void anIoLimitAdmitsThatManyRequestsPerSecond() {
        RateLimiter r = new RateLimiter(new RateLimits(5000, 0, 0, 0));
        assertEquals(5000, admittedInOneSecond(r, IoType.READ, 4096));
    }

    @Test
    void aByteLimitCountsDataAndLetsALargeRequestRunADebt() {
        RateLimiter r = new RateLimiter(new RateLimits(0, 10, 0, 0));
        // 10 MiB/s: 2560 requests of 4 KiB, 10 of 1 MiB (each one overdraws ~100 slices)
        assertEquals(2560, admittedInOneSecond(r, IoType.WRITE, 4096), 3);
        assertEquals(10, admittedInOneSecond(new RateLimiter(new RateLimits(0, 10, 0, 0)), IoType.READ, 1 << 20), 1);
    }

    @Test
    void readAndWriteByteLimitsApplyToTheirDirectionOnly() {
        RateLimiter r = new RateLimiter(new RateLimits(0, 0, 1, 0));
        assertTrue(r.admit(IoType.READ, 1 << 20, 0));
        assertFalse(r.admit(IoType.READ, 4096, 1), "the read quota is spent");
        assertTrue(r.admit(IoType.WRITE, 1 << 20, 2), "writes have no limit");
        assertTrue(r.admit(IoType.FLUSH, 0, 3), "flushes are never held back");
    }

    @Test
    void idleTimeSavesAtMostTenSlicesOfQuota() {
        RateLimiter r = new RateLimiter(new RateLimits(1000, 0, 0, 0));
        assertTrue(r.admit(IoType.READ, 512, 0));
        assertFalse(r.admit(IoType.READ, 512, 1));
        // 100 idle slices later: ten requests' quota, not a hundred
        int burst = 0;
        while (r.admit(IoType.READ, 512, 100 * MS)) {
            burst++;
        }
        assertEquals(RateLimiter.BURST_SLICES, burst);
        assertEquals(101 * MS, r.nextSliceNanos());
    }

    @Test
    void aReactorOffTheCpuForAFewSlicesStillGetsTheRate() {
        RateLimiter r = new RateLimiter(new RateLimits(5000, 0, 0, 0));
        int n = 0;
        for (long t = 0; t < 1000 * MS; t += 4 * MS) { // visits every 4 ms only
            while (r.admit(IoType.WRITE, 4096, t)) {
                n++;
            }
        }
        assertEquals(5000, n, 20);
    }

    @Test
    void ioLimitsRoundUpToAThousandAsSpdkDoes() {
        assertEquals(1000, RateLimits.roundIos(1));
        assertEquals(5000, RateLimits.roundIos(5000));
        assertEquals(6000, RateLimits.roundIos(5001));
        assertEquals(0, RateLimits.roundIos(0));
    }
}
