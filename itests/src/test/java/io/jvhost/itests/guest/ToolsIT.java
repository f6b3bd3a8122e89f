package io.jvhost.itests.guest;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The benchmark commands as README gives them. They live outside the runtime bundles (tools/): the
 * launcher adds the jvhost-bench feature for {@code bdevperf} and {@code bench}, and {@code blkperf}
 * runs the front-end from its own jars against the README's default runtime.
 */
public class ToolsIT {
    private static final Path HOME = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();

    private static String jvhost(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(HOME.resolve("jvhost").toString()));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, 300);
    }

    private static double number(String out, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\\s*([0-9.]+)").matcher(out);
        assertTrue(key + " in: " + out, m.find());
        return Double.parseDouble(m.group(1));
    }

    /** --plot kept the run's JSON lines (and only those) next to a PNG of them. */
    private static void assertPlotted(String out, Path png, String expectedInJson) throws Exception {
        Path jsonl = png.resolveSibling(png.getFileName().toString().replace(".png", ".jsonl"));
        List<String> rows = Files.readAllLines(jsonl);
        assertTrue(out, !rows.isEmpty() && rows.stream().allMatch(r -> r.startsWith("{")));
        assertTrue(rows.toString(), rows.stream().anyMatch(r -> r.contains(expectedInJson)));
        System.setProperty("java.awt.headless", "true");
        java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(png.toFile());
        assertTrue("not a PNG: " + png + "\n" + out, image != null && image.getWidth() >= 720);
    }

    /** A config file at {@code file} that creates one 4 MiB bdev ({@code method}: bdev_malloc_create, ...). */
    private static Path oneBdevConfig(Path file, String method, String name) throws Exception {
        return Files.writeString(file, """
                {"subsystems":[{"subsystem":"bdev","config":[
                  {"method":"%s","params":{"name":"%s","num_blocks":8192,"block_size":512}}]}]}
                """.formatted(method, name));
    }

    /** {@code png} and its JSON lines deleted, so that only this run's plot can pass. */
    private static Path fresh(Path png) throws Exception {
        Files.createDirectories(png.getParent());
        Files.deleteIfExists(png);
        Files.deleteIfExists(png.resolveSibling(png.getFileName().toString().replace(".png", ".jsonl")));
        return png;
    }

    @Test
    public void bdevperfVerifiesAMallocBdevFromTheBenchFeature() throws Exception {
        Path work = Files.createDirectories(HOME.resolve("itests/target/tools-it"));
        Path config = oneBdevConfig(work.resolve("malloc.json"), "bdev_malloc_create", "M0");
        String out = jvhost("bdevperf", "--config", config.toString(), "-S", work.toString(), "-q", "16", "-o", "4096",
                "-w", "verify", "-t", "1", "--json", "--plot", fresh(work.resolve("plots/bdevperf.png")).toString());
        assertTrue(out, out.contains("\"summary\":\"bdevperf\""));
        assertTrue(out, number(out, "total_iops") > 0);
        assertTrue(out, out.contains("jvhost-bench"));
        assertPlotted(out, work.resolve("plots/bdevperf.png"), "\"bdev\":\"M0\"");
    }

    /**
     * The launcher bounds startup (bundles and the config), not the {@code -x} commands: a bdevperf
     * run longer than the startup limit finishes and reports (it used to be cut off as a startup
     * that "did not finish").
     */
    @Test
    public void aBdevperfRunLongerThanTheStartupLimitIsNotCutOff() throws Exception {
        Path work = Files.createDirectories(HOME.resolve("itests/target/tools-it/long-run"));
        Path config = oneBdevConfig(work.resolve("null.json"), "bdev_null_create", "N0");
        String out = Processes.run(List.of(HOME.resolve("jvhost").toString(), "bdevperf", "--config", config.toString(),
                        "-S", work.toString(), "-q", "8", "-o", "4096", "-w", "randread", "-t", "9", "--json"),
                java.util.Map.of("JVHOST_JAVA_OPTS", "-Djvhost.startup.timeout=4"), 120);
        assertTrue(out, out.contains("\"summary\":\"bdevperf\""));
        assertTrue(out, number(out, "total_iops") > 0);
    }

    @Test
    public void reactorBenchReportsARoundTrip() throws Exception {
        Path png = HOME.resolve("itests/target/tools-it/plots/reactor.png");
        String out = jvhost("bench", "reactor", "-S", HOME.resolve("itests/target").toString(), "--plot", fresh(png).toString());
        assertTrue(out, out.contains("\"benchmark\":\"reactor\""));
        assertTrue(out, number(out, "round_trips") > 0);
        assertPlotted(out, png, "\"round_trip_ns\"");
    }

    @Test
    public void blkperfDrivesTheDefaultRamDiskSocket() throws Exception {
        Path work = Files.createDirectories(HOME.resolve("itests/target/tools-it/blkperf"));
        try (JvhostProcess p = JvhostProcess.start(HOME, work.resolve("jvhost.log"), "-S", work.toString(), "-r",
                "none")) {
            String out = jvhost("blkperf", "--socket", work.resolve("vhost.0").toString(), "--depth", "8", "--time", "1",
                    "--rw", "randread", "--plot", fresh(work.resolve("blkperf.png")).toString());
            assertTrue(out, out.contains("\"bench\":\"blkperf\""));
            assertTrue(out, number(out, "iops") > 0);
            assertPlotted(out, work.resolve("blkperf.png"), "\"bench\":\"blkperf\"");
        }
    }

    /**
     * {@code ./jvhost rpc --server}, as SPDK's {@code rpc.py --server}: one client process makes the
     * calls it reads, each answer ending with its status line, and goes on after a failed one.
     */
    @Test
    public void rpcServerModeAnswersEveryLineWithItsStatus() throws Exception {
        Path work = Files.createDirectories(HOME.resolve("itests/target/tools-it/rpc-server"));
        Path socket = work.resolve("rpc.sock");
        try (JvhostProcess p = JvhostProcess.start(HOME, work.resolve("jvhost.log"), "--no-default-config", "-S",
                work.toString(), "-r", socket.toString())) {
            Process client = new ProcessBuilder(HOME.resolve("jvhost").toString(), "rpc", "-s", socket.toString(),
                    "--server").redirectErrorStream(true).start();
            try (var in = client.getOutputStream()) {
                in.write(("""
                        bdev_malloc_create name="M1" num_blocks=2048 block_size=512
                        bdev_get_bdevs 'name=M1'
                        bdev_get_bdevs name=NoSuchBdev
                        bdev_malloc_delete name="M1"
                        """).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            assertTrue("rpc --server did not end with its input", client.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            String out = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            List<String> statuses = out.lines().filter(l -> l.startsWith("**STATUS=")).toList();
            org.junit.Assert.assertEquals(out, List.of("**STATUS=0", "**STATUS=0", "**STATUS=1", "**STATUS=0"), statuses);
            assertTrue(out, out.contains("\"M1\""));
            assertTrue(out, out.contains("\"num_blocks\": 2048"));
            assertTrue(out, out.contains("bdev_get_bdevs failed (-19)"));
            org.junit.Assert.assertEquals(out, 0, client.exitValue());
        }
    }
}
