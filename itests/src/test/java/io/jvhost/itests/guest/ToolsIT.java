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
        Path config = work.resolve("malloc.json");
        Files.writeString(config, """
                {"subsystems":[{"subsystem":"bdev","config":[
                  {"method":"bdev_malloc_create","params":{"name":"M0","num_blocks":8192,"block_size":512}}]}]}
                """);
        String out = jvhost("bdevperf", "--config", config.toString(), "-S", work.toString(), "-q", "16", "-o", "4096",
                "-w", "verify", "-t", "1", "--json", "--plot", fresh(work.resolve("plots/bdevperf.png")).toString());
        assertTrue(out, out.contains("\"summary\":\"bdevperf\""));
        assertTrue(out, number(out, "total_iops") > 0);
        assertTrue(out, out.contains("jvhost-bench"));
        assertPlotted(out, work.resolve("plots/bdevperf.png"), "\"bdev\":\"M0\"");
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
}
