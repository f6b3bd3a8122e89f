package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.IoType;

/**
 * Token buckets for one bdev's {@link RateLimits}, refilled in 1 ms slices as SPDK's QoS does: each
 * slice grants a thousandth of each per-second limit. Unused quota is kept for at most
 * {@link #BURST_SLICES} slices, so a reactor that was off the CPU for a few milliseconds still
 * delivers the configured rate, while an idle guest cannot save up more than that as a burst. A
 * request is admitted while every limit it falls under has quota left; a large request may take a
 * byte quota below zero, which the next slices pay back. Shared by the bdev's channels on all
 * reactors.
 */
final class RateLimiter {
    static final long SLICE_NANOS = 1_000_000;
    /** Quota kept across idle or missed slices, in slices. */
    static final long BURST_SLICES = 10;
    private static final long SLICES_PER_SEC = 1_000_000_000 / SLICE_NANOS;
    private static final long MB = 1024 * 1024;

    private final RateLimits limits;
    private final long iosPerSlice, rwBytesPerSlice, rBytesPerSlice, wBytesPerSlice;
    private long slice = Long.MIN_VALUE;
    private long ios, rwBytes, rBytes, wBytes;

    RateLimiter(RateLimits limits) {
        this.limits = limits;
        iosPerSlice = perSlice(limits.rwIosPerSec());
        rwBytesPerSlice = perSlice(limits.rwMbytesPerSec() * MB);
        rBytesPerSlice = perSlice(limits.rMbytesPerSec() * MB);
        wBytesPerSlice = perSlice(limits.wMbytesPerSec() * MB);
    }

    private static long perSlice(long perSec) {
        return perSec == 0 ? 0 : Math.max(1, perSec / SLICES_PER_SEC);
    }

    RateLimits limits() {
        return limits;
    }

    /** True when the request may go to the module now (its quota is taken); false to hold it back. */
    synchronized boolean admit(IoType type, long bytes, long nowNanos) {
        boolean read = type == IoType.READ, write = type == IoType.WRITE;
        if (!read && !write && type != IoType.UNMAP && type != IoType.WRITE_ZEROES) {
            return true; // flush and reset are not rate limited
        }
        refill(nowNanos);
        boolean data = read || write;
        if ((iosPerSlice != 0 && ios <= 0) || (data && rwBytesPerSlice != 0 && rwBytes <= 0)
                || (read && rBytesPerSlice != 0 && rBytes <= 0) || (write && wBytesPerSlice != 0 && wBytes <= 0)) {
            return false;
        }
        ios--;
        if (data) {
            rwBytes -= bytes;
            if (read) {
                rBytes -= bytes;
            } else {
                wBytes -= bytes;
            }
        }
        return true;
    }

    /** The first nanosecond of the next slice, when held-back requests may be admitted. */
    synchronized long nextSliceNanos() {
        return (slice + 1) * SLICE_NANOS;
    }

    private void refill(long nowNanos) {
        long s = Math.floorDiv(nowNanos, SLICE_NANOS);
        if (s == slice) {
            return;
        }
        long elapsed = slice == Long.MIN_VALUE ? 1 : Math.min(s - slice, BURST_SLICES);
        slice = s;
        ios = grant(ios, iosPerSlice, elapsed);
        rwBytes = grant(rwBytes, rwBytesPerSlice, elapsed);
        rBytes = grant(rBytes, rBytesPerSlice, elapsed);
        wBytes = grant(wBytes, wBytesPerSlice, elapsed);
    }

    /** Quota after {@code slices} more slices: debt is paid back first, the balance is capped. */
    private static long grant(long balance, long perSlice, long slices) {
        return Math.min(balance + perSlice * slices, perSlice * BURST_SLICES);
    }
}
