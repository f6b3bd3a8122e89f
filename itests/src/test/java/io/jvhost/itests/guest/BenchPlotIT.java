package io.jvhost.itests.guest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.Test;

/**
 * A bench command keeps its JSON lines and writes a PNG plot next to them: {@code bench/scsi-vs-blk.sh}
 * in its shortest form (1 s runs, one round) against a real jvhost and the Java front-end.
 */
public class BenchPlotIT {
    private static final Path HOME = Path.of(System.getProperty("jvhost.home", "..")).toAbsolutePath().normalize();

    @Test
    public void scsiVsBlkBenchWritesItsResultsAndAPlotOfThem() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path out = HOME.resolve("itests/target/bench-plot-it");
        if (Files.isDirectory(out)) {
            try (Stream<Path> old = Files.list(out)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Path log = Files.createDirectories(out).resolve("bench.log");
        ProcessBuilder pb = new ProcessBuilder(HOME.resolve("bench/scsi-vs-blk.sh").toString(), "1", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JVHOST_BENCH_NO_BUILD", "1");
        pb.environment().put("JVHOST_BENCH_OUT", out.toString());
        Process bench = pb.start();
        assertTrue("bench did not finish in 180 s", bench.waitFor(180, TimeUnit.SECONDS));
        String printed = Files.readString(log);
        assertEquals(printed, 0, bench.exitValue());
        assertTrue(printed, printed.contains("vhost-scsi serves"));

        List<Path> results;
        try (Stream<Path> files = Files.list(out)) {
            results = files.filter(p -> p.getFileName().toString().matches("scsi-vs-blk-\\d{8}-\\d{6}\\.jsonl")).toList();
        }
        assertEquals(printed, 1, results.size());
        List<String> rows = Files.readAllLines(results.get(0));
        assertEquals(rows.toString(), 4, rows.size());
        assertTrue(rows.toString(), rows.stream().allMatch(r -> r.startsWith("{") && r.contains("\"iops\":")));

        String name = results.get(0).getFileName().toString();
        Path png = out.resolve(name.substring(0, name.length() - ".jsonl".length()) + ".png");
        assertTrue(printed, printed.contains("plot in " + png));
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue("not a PNG: " + png, image != null);
        assertTrue(image.getWidth() + "x" + image.getHeight(), image.getWidth() >= 720 && image.getHeight() > 600);
    }
}
