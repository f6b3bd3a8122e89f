package io.jvhost.bdev.core.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A bdev's QoS limits as SPDK's {@code bdev_set_qos_limit} takes them; 0 means no limit. The I/O
 * limit counts reads, writes, unmaps and write-zeroes; the byte limits count data moved by reads
 * and writes.
 */
public record RateLimits(long rwIosPerSec, long rwMbytesPerSec, long rMbytesPerSec, long wMbytesPerSec) {
    public static final RateLimits NONE = new RateLimits(0, 0, 0, 0);
    /** SPDK rounds an I/O limit up to a multiple of this (its QoS works in 1 ms slices). */
    static final long IOS_GRANULE = 1000;
    /** Parameter names, in SPDK's order. */
    static final String RW_IOS = "rw_ios_per_sec", RW_MB = "rw_mbytes_per_sec", R_MB = "r_mbytes_per_sec",
            W_MB = "w_mbytes_per_sec";
    static final List<String> NAMES = List.of(RW_IOS, RW_MB, R_MB, W_MB);

    public RateLimits {
        if (rwIosPerSec < 0 || rwMbytesPerSec < 0 || rMbytesPerSec < 0 || wMbytesPerSec < 0) {
            throw new IllegalArgumentException("QoS limits must not be negative");
        }
    }

    public boolean isNone() {
        return rwIosPerSec == 0 && rwMbytesPerSec == 0 && rMbytesPerSec == 0 && wMbytesPerSec == 0;
    }

    /** {@code bdev_get_bdevs}' {@code assigned_rate_limits}. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(RW_IOS, rwIosPerSec);
        m.put(RW_MB, rwMbytesPerSec);
        m.put(R_MB, rMbytesPerSec);
        m.put(W_MB, wMbytesPerSec);
        return m;
    }

    /** Rounds an I/O limit up to the next multiple of {@link #IOS_GRANULE}, as SPDK does. */
    static long roundIos(long ios) {
        return (ios + IOS_GRANULE - 1) / IOS_GRANULE * IOS_GRANULE;
    }
}
