package io.jvhost.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PNG shows what the results say: bar heights in proportion, each series in its colour. */
class PlotTest {
    @TempDir
    Path dir;

    @Test
    void shouldDrawBarsInProportionToTheMediansNextToTheResults() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path results = dir.resolve("blk-vs-qsd-1.jsonl");
        Files.write(results, List.of(
                "{\"backend\":\"jvhost\",\"rw\":\"randread\",\"iops\":2000000,\"p99_us\":30}",
                "{\"backend\":\"qsd\",\"rw\":\"randread\",\"iops\":500000,\"p99_us\":90}",
                "{\"backend\":\"jvhost\",\"rw\":\"randwrite\",\"iops\":1000000,\"p99_us\":20}",
                "{\"backend\":\"qsd\",\"rw\":\"randwrite\",\"iops\":1000000,\"p99_us\":60}"));
        Path png = Plot.run(new String[] {results.toString(), "--x", "rw", "--series", "backend",
            "--y", "iops=IOPS,p99_us=p99 latency (us)", "--title", "test"});
        assertEquals(dir.resolve("blk-vs-qsd-1.png"), png);
        BufferedImage image = ImageIO.read(png.toFile());
        ResultTable t = ResultTable.of(Files.readAllLines(results), List.of(ResultTable.Axis.parse("rw")), "backend",
                "iops", Map.of());
        int readJvhost = barHeight(image, BarChart.barCentre(t, image.getWidth(), 0, 0), BarChart.baseline(0), 0);
        int readQsd = barHeight(image, BarChart.barCentre(t, image.getWidth(), 0, 1), BarChart.baseline(0), 1);
        int writeQsd = barHeight(image, BarChart.barCentre(t, image.getWidth(), 1, 1), BarChart.baseline(0), 1);
        assertEquals(BarChart.PLOT_HEIGHT, readJvhost, 2);
        assertEquals(4.0, (double) readJvhost / readQsd, 0.1);
        assertEquals(2.0, (double) writeQsd / readQsd, 0.1);
        // second panel: p99 latency, qsd's read bar is the tallest (90 of a 100 axis)
        int p99Qsd = barHeight(image, BarChart.barCentre(t, image.getWidth(), 0, 1), BarChart.baseline(1), 1);
        assertEquals(0.9 * BarChart.PLOT_HEIGHT, p99Qsd, 2);
    }

    @Test
    void shouldRefuseAFieldNoResultHas() throws Exception {
        Path results = dir.resolve("r.jsonl");
        Files.write(results, List.of("{\"rw\":\"randread\",\"iops\":1}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plot.run(new String[] {results.toString(), "--x", "rw", "--y", "iops_per_core"}));
        assertTrue(e.getMessage().contains("iops_per_core"), e.getMessage());
    }

    /** Pixels of series colour {@code s} going up from just above {@code base} at column {@code x}. */
    private static int barHeight(BufferedImage image, int x, int base, int s) {
        int rgb = BarChart.PALETTE[s].getRGB();
        int h = 0;
        while (base - 1 - h >= 0 && image.getRGB(x, base - 1 - h) == rgb) {
            h++;
        }
        return h;
    }
}
