package io.jvhost.bdev.core.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevStats;
import io.jvhost.bdev.IoType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SPDK's JSON shapes for bdev listings and statistics, in one place. */
final class BdevInfo {
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
        m.put("claimed", b.openers().stream().anyMatch(o -> !o.endsWith("(read_only)")));
        m.put("zoned", false);
        m.put("optimal_io_boundary", b.optimalIoBoundary());
        Map<String, Object> types = new LinkedHashMap<>();
        for (IoType t : IoType.values()) {
            types.put(t.spdkName(), b.supports(t));
        }
        m.put("supported_io_types", types);
        m.put("driver_specific", Map.of("module", b.moduleName(), "openers", b.openers()));
        return m;
    }

    /** One entry of {@code bdev_get_iostat}'s {@code bdevs}; times are in nanoseconds (tick rate 1e9). */
    static Map<String, Object> iostat(Bdev b) {
        BdevStats s = b.stats();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("bytes_read", s.bytes(IoType.READ));
        m.put("num_read_ops", s.ops(IoType.READ));
        m.put("bytes_written", s.bytes(IoType.WRITE));
        m.put("num_write_ops", s.ops(IoType.WRITE));
        m.put("num_unmap_ops", s.ops(IoType.UNMAP));
        m.put("num_write_zeroes_ops", s.ops(IoType.WRITE_ZEROES));
        m.put("num_flush_ops", s.ops(IoType.FLUSH));
        m.put("num_errors", s.errors());
        m.put("queue_depth", s.queueDepth());
        m.put("latency_mean_ns", s.latencyMeanNanos());
        m.put("latency_p50_ns", s.latencyP50Nanos());
        m.put("latency_p99_ns", s.latencyP99Nanos());
        m.put("latency_p999_ns", s.latencyP999Nanos());
        return m;
    }
}
