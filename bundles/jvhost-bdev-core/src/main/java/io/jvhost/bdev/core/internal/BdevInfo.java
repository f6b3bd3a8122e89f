package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevStats;
import io.jvhost.bdev.IoLatency;
import io.jvhost.bdev.IoType;
import io.jvhost.reactor.ThreadIds;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SPDK's JSON shapes for bdev listings and statistics, in one place. */
final class BdevInfo {
    /** SPDK's supported_io_types keys beyond the types jvhost bdevs implement, all false here. */
    private static final List<String> OTHER_IO_TYPES = List.of("compare", "compare_and_write", "abort", "seek_hole",
            "seek_data", "copy", "nvme_admin", "nvme_io", "nvme_io_md", "zcopy", "get_zone_info", "zone_management",
            "zone_append");
    /** The I/O types with latency fields in bdev_get_iostat, and the name SPDK gives each. */
    private static final Map<IoType, String> TIMED = new EnumMap<>(Map.of(IoType.READ, "read", IoType.WRITE, "write",
            IoType.UNMAP, "unmap"));

    private BdevInfo() {
    }

    /** One entry of {@code bdev_get_bdevs}. */
    static Map<String, Object> describe(Bdev b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("aliases", List.of());
        m.put("product_name", b.productName());
        m.put("block_size", b.blockSize());
        m.put("num_blocks", b.blockCount());
        m.put("uuid", b.uuid().toString());
        m.put("assigned_rate_limits", b instanceof RegisteredBdev r ? r.rateLimits().describe()
                : RateLimits.NONE.describe());
        m.put("claimed", b.openers().stream().anyMatch(o -> !o.endsWith("(read_only)")));
        m.put("zoned", false);
        if (b.optimalIoBoundary() != 0) {
            m.put("optimal_io_boundary", b.optimalIoBoundary());
        }
        Map<String, Object> types = new LinkedHashMap<>();
        for (IoType t : IoType.values()) {
            types.put(t.spdkName(), b.supports(t));
        }
        OTHER_IO_TYPES.forEach(t -> types.put(t, false));
        m.put("supported_io_types", types);
        m.put("driver_specific", b.driverSpecific());
        // jvhost's own additions, under names SPDK does not use
        m.put("module", b.moduleName());
        m.put("openers", b.openers());
        return m;
    }

    /** One entry of {@code bdev_get_iostat}'s {@code bdevs}; ticks are nanoseconds (tick rate 1e9). */
    static Map<String, Object> iostat(Bdev b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        counters(b.stats(), m);
        return m;
    }

    /** {@code bdev_get_iostat} with {@code per_channel}: one entry per reactor, by SPDK thread id. */
    static Map<String, Object> iostatPerChannel(Bdev b) {
        List<Object> channels = new ArrayList<>();
        b.statsPerReactor().forEach((reactor, s) -> {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("thread_id", ThreadIds.of(reactor));
            counters(s, c);
            channels.add(c);
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("channels", channels);
        return m;
    }

    /**
     * SPDK's counter fields, then jvhost's percentiles. Latencies come from one request in 16: the
     * {@code *_latency_ticks} totals are the sampled mean times the op count, min and max are of the
     * sampled requests.
     */
    private static void counters(BdevStats s, Map<String, Object> m) {
        m.put("bytes_read", s.bytes(IoType.READ));
        m.put("num_read_ops", s.ops(IoType.READ));
        m.put("bytes_written", s.bytes(IoType.WRITE));
        m.put("num_write_ops", s.ops(IoType.WRITE));
        m.put("bytes_unmapped", s.bytes(IoType.UNMAP));
        m.put("num_unmap_ops", s.ops(IoType.UNMAP));
        m.put("bytes_copied", 0L);
        m.put("num_copy_ops", 0L);
        TIMED.forEach((type, name) -> {
            IoLatency l = s.latency(type);
            m.put(name + "_latency_ticks", l.estimatedTotalNanos(s.ops(type)));
            m.put("max_" + name + "_latency_ticks", l.maxNanos());
            m.put("min_" + name + "_latency_ticks", l.minNanos());
        });
        m.put("copy_latency_ticks", 0L);
        m.put("max_copy_latency_ticks", 0L);
        m.put("min_copy_latency_ticks", 0L);
        m.put("io_error", s.errors() == 0 ? Map.of() : Map.of("failed", s.errors()));
        m.put("num_write_zeroes_ops", s.ops(IoType.WRITE_ZEROES));
        m.put("num_flush_ops", s.ops(IoType.FLUSH));
        m.put("num_errors", s.errors());
        m.put("queue_depth", s.queueDepth());
        m.put("latency_mean_ns", s.latencyMeanNanos());
        m.put("latency_p50_ns", s.latencyP50Nanos());
        m.put("latency_p99_ns", s.latencyP99Nanos());
        m.put("latency_p999_ns", s.latencyP999Nanos());
    }
}
