package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.BdevStats;
import io.jvhost.bdev.IoLatency;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.LatencyHistogram;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/** Sums channel counters into a {@link BdevStats}; also keeps the totals of channels already closed. */
final class StatsTotals {
    private final long[] ops = new long[ChannelStats.TYPES];
    private final long[] bytes = new long[ChannelStats.TYPES];
    private final long[] buckets = new long[LatencyHistogram.BUCKETS];
    private final IoLatency[] latency = new IoLatency[ChannelStats.TYPES];
    private long errors;
    private long latencySum;
    private long latencyCount;

    StatsTotals() {
        Arrays.fill(latency, IoLatency.NONE);
    }

    synchronized void add(ChannelStats s) {
        for (IoType t : IoType.values()) {
            ops[t.ordinal()] += s.ops(t);
            bytes[t.ordinal()] += s.bytes(t);
            latency[t.ordinal()] = merge(latency[t.ordinal()], s.latency(t));
        }
        errors += s.errors();
        long[] sc = s.latency.addTo(buckets);
        latencySum += sc[0];
        latencyCount += sc[1];
    }

    private static IoLatency merge(IoLatency a, IoLatency b) {
        if (a.sampled() == 0) {
            return b;
        }
        if (b.sampled() == 0) {
            return a;
        }
        return new IoLatency(a.sampled() + b.sampled(), a.sumNanos() + b.sumNanos(),
                Math.min(a.minNanos(), b.minNanos()), Math.max(a.maxNanos(), b.maxNanos()));
    }

    synchronized StatsTotals copy() {
        StatsTotals c = new StatsTotals();
        System.arraycopy(ops, 0, c.ops, 0, ops.length);
        System.arraycopy(bytes, 0, c.bytes, 0, bytes.length);
        System.arraycopy(buckets, 0, c.buckets, 0, buckets.length);
        System.arraycopy(latency, 0, c.latency, 0, latency.length);
        c.errors = errors;
        c.latencySum = latencySum;
        c.latencyCount = latencyCount;
        return c;
    }

    BdevStats toStats(long queueDepth) {
        Map<IoType, Long> o = new EnumMap<>(IoType.class);
        Map<IoType, Long> b = new EnumMap<>(IoType.class);
        Map<IoType, IoLatency> l = new EnumMap<>(IoType.class);
        for (IoType t : IoType.values()) {
            o.put(t, ops[t.ordinal()]);
            b.put(t, bytes[t.ordinal()]);
            l.put(t, latency[t.ordinal()]);
        }
        return new BdevStats(o, b, errors, queueDepth, LatencyHistogram.percentile(buckets, 0.5),
                LatencyHistogram.percentile(buckets, 0.99), LatencyHistogram.percentile(buckets, 0.999),
                latencyCount == 0 ? 0 : latencySum / latencyCount, l, buckets.clone());
    }
}
