package io.jvhost.itests.guest;

import static org.junit.Assert.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * An operator scrapes {@code ./jvhost --metrics}: Prometheus text with per-bdev counters and latency
 * histogram, per-controller sessions and queues and per-reactor busy time, moving while a front-end
 * drives I/O through the default RAM disk's socket.
 */
public class MetricsIT {
    private static final Path HOME = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    public void scrapeShowsCountersMovingUnderIo() throws Exception {
        Path work = Files.createDirectories(HOME.resolve("itests/target/metrics-it"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (JvhostProcess jvhost = JvhostProcess.start(HOME, work.resolve("jvhost.log"), "-S", work.toString(), "-r",
                "none", "--metrics", Integer.toString(port))) {
            assertTrue(jvhost.output(), jvhost.output().contains("metrics at http://127.0.0.1:" + port + "/metrics"));
            URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(first.statusCode() + " " + first.body(), first.statusCode() == 200);
            assertTrue(first.headers().firstValue("content-type").orElse(""),
                    first.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
            String before = first.body();
            assertTrue(before, before.contains("# TYPE jvhost_bdev_latency_seconds histogram"));
            assertTrue(before, value(before, "jvhost_bdev_ops_total{bdev=\"Malloc0\",type=\"read\"}") == 0);
            assertTrue(before, value(before, "jvhost_controller_sessions{ctrlr=\"vhost.0\",type=\"vhost_user_blk\"}") == 0);

            Process io = new ProcessBuilder(HOME.resolve("jvhost").toString(), "blkperf", "--socket",
                    work.resolve("vhost.0").toString(), "--depth", "8", "--time", "3", "--rw", "randread")
                    .redirectErrorStream(true).redirectOutput(work.resolve("blkperf.log").toFile()).start();
            String during = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                during = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (during.contains("jvhost_controller_requests_total{ctrlr=\"vhost.0\",queue=\"0\"}")
                        && value(during, "jvhost_controller_requests_total{ctrlr=\"vhost.0\",queue=\"0\"}") > 0) {
                    break;
                }
                Thread.sleep(200);
            }
            assertTrue(during, value(during, "jvhost_controller_sessions{ctrlr=\"vhost.0\",type=\"vhost_user_blk\"}") == 1);
            assertTrue(during, value(during, "jvhost_controller_queues{ctrlr=\"vhost.0\"}") >= 1);
            assertTrue(Files.readString(work.resolve("blkperf.log")), io.waitFor() == 0);

            String after = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
            double reads = value(after, "jvhost_bdev_ops_total{bdev=\"Malloc0\",type=\"read\"}");
            assertTrue(after, reads > 0);
            assertTrue(after, value(after, "jvhost_bdev_bytes_total{bdev=\"Malloc0\",type=\"read\"}") == reads * 4096);
            double timed = value(after, "jvhost_bdev_latency_seconds_count{bdev=\"Malloc0\"}");
            assertTrue(after, timed > 0 && timed == value(after,
                    "jvhost_bdev_latency_seconds_bucket{bdev=\"Malloc0\",le=\"+Inf\"}"));
            assertTrue(after, value(after, "jvhost_bdev_latency_seconds_bucket{bdev=\"Malloc0\",le=\"1.048576\"}") <= timed);
            assertTrue(after, value(after, "jvhost_reactor_busy_seconds_total{reactor=\"0\",core=\"0\"}")
                    > value(before, "jvhost_reactor_busy_seconds_total{reactor=\"0\",core=\"0\"}"));
            assertTrue(after, value(after, "jvhost_reactor_polls_total{reactor=\"0\",core=\"0\"}") > 0);
        }
    }

    /** The value of the sample named exactly {@code series} (name and labels). */
    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue("no sample " + series + " in:\n" + text, m.find());
        return Double.parseDouble(m.group(1));
    }
}
