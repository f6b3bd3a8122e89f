package io.jvhost.plot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code ./jvhost plot RESULTS.jsonl}: a PNG of bench results, one panel per measured field, bars per
 * workload and back-end (medians over the rounds a bench ran).
 */
public final class Plot {
    static final String USAGE = """
            usage: jvhost plot RESULTS.jsonl --x FIELD[:PREFIX][,...] --y FIELD[=HEADING][,...] [--series FIELD]
                               [--where FIELD=VALUE]... [--title TEXT] [--out FILE.png]
              RESULTS.jsonl  JSON lines as the bench commands print them (other lines are skipped)
              --x            fields naming a workload, e.g. rw,queues:q,depth:qd gives "randread q1 qd32"
              --y            fields to plot, one panel each, e.g. "iops_per_backend_core=IOPS per back-end core"
              --series       field whose values get a bar each, e.g. backend (jvhost, qsd)
              --where        keep only rows with FIELD equal to VALUE (repeatable)
              --out          the PNG to write (default: RESULTS with .png)
            """;

    private Plot() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        try {
            Path out = run(args);
            System.err.println("plot: wrote " + out);
        } catch (IllegalArgumentException e) {
            System.err.println("plot: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
    }

    /** Parses {@code args}, writes the PNG and returns where. */
    static Path run(String[] args) throws IOException {
        Path in = null;
        Path out = null;
        String title = null;
        String series = null;
        List<ResultTable.Axis> x = new ArrayList<>();
        Map<String, String> y = new LinkedHashMap<>();
        Map<String, String> where = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--x" -> {
                    for (String f : value(args, ++i, a).split(",")) {
                        x.add(ResultTable.Axis.parse(f));
                    }
                }
                case "--y" -> {
                    for (String f : value(args, ++i, a).split(",")) {
                        int eq = f.indexOf('=');
                        y.put(eq < 0 ? f : f.substring(0, eq), eq < 0 ? f : f.substring(eq + 1));
                    }
                }
                case "--series" -> series = value(args, ++i, a);
                case "--where" -> {
                    String w = value(args, ++i, a);
                    int eq = w.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--where wants FIELD=VALUE, not '" + w + "'");
                    }
                    where.put(w.substring(0, eq), w.substring(eq + 1));
                }
                case "--title" -> title = value(args, ++i, a);
                case "--out" -> out = Path.of(value(args, ++i, a));
                default -> {
                    if (a.startsWith("-") || in != null) {
                        throw new IllegalArgumentException("unknown argument '" + a + "'");
                    }
                    in = Path.of(a);
                }
            }
        }
        if (in == null || x.isEmpty() || y.isEmpty()) {
            throw new IllegalArgumentException("a results file, --x and --y are needed");
        }
        List<String> lines = Files.readAllLines(in, StandardCharsets.UTF_8);
        List<BarChart.Panel> panels = new ArrayList<>();
        int rounds = 0;
        for (Map.Entry<String, String> e : y.entrySet()) {
            ResultTable t = ResultTable.of(lines, x, series, e.getKey(), where);
            if (t.isEmpty()) {
                throw new IllegalArgumentException(in + " has no result with field '" + e.getKey() + "'"
                        + (where.isEmpty() ? "" : " where " + where));
            }
            rounds = Math.max(rounds, t.rounds());
            panels.add(new BarChart.Panel(e.getValue(), t));
        }
        if (out == null) {
            String name = in.getFileName().toString();
            out = in.resolveSibling((name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name) + ".png");
        }
        String heading = (title == null ? in.getFileName().toString() : title)
                + (rounds > 1 ? " (median of " + rounds + " rounds)" : "");
        if (!ImageIO.write(BarChart.render(heading, panels), "png", out.toFile())) {
            throw new IOException("no PNG writer in this JDK");
        }
        return out;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
