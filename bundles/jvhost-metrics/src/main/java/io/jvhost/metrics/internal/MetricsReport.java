package io.jvhost.metrics.internal;

import io.jvhost.bdev.Bdev;
import io.jvhost.bdev.BdevStats;
import io.jvhost.bdev.IoType;
import io.jvhost.bdev.LatencyHistogram;
import io.jvhost.reactor.Reactor;
import io.jvhost.reactor.ReactorStats;
import io.jvhost.vhostuser.VhostController;
import java.math.BigDecimal;
import java.util.List;

/** What /metrics shows: bdevs, vhost controllers and reactors, read at the moment of the scrape. */
final class MetricsReport {
    /** Histogram bounds in nanoseconds: 1 us to about 1 s by powers of four, then +Inf. */
    static final long[] LATENCY_BOUNDS_NANOS = {1_000, 4_000, 16_000, 64_000, 256_000, 1_024_000, 4_096_000,
        16_384_000, 65_536_000, 262_144_000, 1_048_576_000};

    private MetricsReport() {
    }

    static String render(List<Bdev> bdevs, List<VhostController> controllers, List<Reactor> reactors) {
        PrometheusText t = new PrometheusText();
        for (Bdev b : bdevs) {
            bdev(t, b);
        }
        for (VhostController c : controllers) {
            controller(t, c);
        }
        for (Reactor r : reactors) {
            reactor(t, r);
        }
        return t.toString();
    }

    private static void bdev(PrometheusText t, Bdev b) {
        BdevStats s = b.stats();
        String n = b.name();
        PrometheusText.Family ops = t.family("jvhost_bdev_ops_total", "counter",
                "Completed I/O operations per bdev and type");
        PrometheusText.Family bytes = t.family("jvhost_bdev_bytes_total", "counter",
                "Bytes read or written (or covered, for unmap and write_zeroes)");
        for (IoType type : IoType.values()) {
            String ty = type.spdkName();
            ops.sample(s.ops(type), "bdev", n, "type", ty);
            if (type != IoType.FLUSH && type != IoType.RESET) {
                bytes.sample(s.bytes(type), "bdev", n, "type", ty);
            }
        }
        t.family("jvhost_bdev_errors_total", "counter", "Failed I/O operations per bdev").sample(s.errors(), "bdev", n);
        t.family("jvhost_bdev_queue_depth", "gauge", "Requests in flight per bdev").sample(s.queueDepth(), "bdev", n);
        PrometheusText.Family latency = t.family("jvhost_bdev_latency_seconds", "histogram",
                "Latency of sampled requests (one in 16), all types");
        long[] buckets = s.latencyBuckets();
        long cumulative = 0;
        int fine = 0;
        for (long bound : LATENCY_BOUNDS_NANOS) {
            while (fine < buckets.length && LatencyHistogram.upperBound(fine) <= bound) {
                cumulative += buckets[fine++];
            }
            latency.sample("_bucket", cumulative, "bdev", n, "le", seconds(bound));
        }
        long count = 0;
        long sum = 0;
        for (IoType type : IoType.values()) {
            count += s.latency(type).sampled();
            sum += s.latency(type).sumNanos();
        }
        latency.sample("_bucket", count, "bdev", n, "le", "+Inf");
        latency.sample("_sum", sum / 1e9, "bdev", n);
        latency.sample("_count", count, "bdev", n);
    }

    private static void controller(PrometheusText t, VhostController c) {
        String n = c.name();
        t.family("jvhost_controller_sessions", "gauge", "Front-ends (VMs) connected to a vhost controller")
                .sample(c.sessions().size(), "ctrlr", n, "type", c.type());
        long[] perQueue = c.completedPerQueue();
        t.family("jvhost_controller_queues", "gauge",
                "Queues with request counters: the most any front-end of this controller set up")
                .sample(perQueue.length, "ctrlr", n);
        PrometheusText.Family requests = t.family("jvhost_controller_requests_total", "counter",
                "Requests completed per controller queue");
        for (int q = 0; q < perQueue.length; q++) {
            requests.sample(perQueue[q], "ctrlr", n, "queue", Integer.toString(q));
        }
    }

    private static void reactor(PrometheusText t, Reactor r) {
        ReactorStats s = r.stats();
        String[] labels = {"reactor", Integer.toString(r.index()), "core", Integer.toString(r.core())};
        t.family("jvhost_reactor_busy_seconds_total", "counter", "Time a reactor spent in passes that found work")
                .sample(s.busyNanos() / 1e9, labels);
        t.family("jvhost_reactor_idle_seconds_total", "counter", "Time a reactor spent in passes that found none")
                .sample(s.idleNanos() / 1e9, labels);
        t.family("jvhost_reactor_busy_ratio", "gauge", "Busy share of a reactor's time since it started, 0-1")
                .sample(s.busyPercent() / 100, labels);
        t.family("jvhost_reactor_polls_total", "counter", "Passes over a reactor's pollers")
                .sample(s.passes(), labels);
        t.family("jvhost_reactor_sleeps_total", "counter", "Times a reactor slept in interrupt mode")
                .sample(s.sleeps(), labels);
        t.family("jvhost_reactor_pollers", "gauge", "Pollers a reactor runs").sample(r.pollerCount(), labels);
    }

    private static String seconds(long nanos) {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }
}
