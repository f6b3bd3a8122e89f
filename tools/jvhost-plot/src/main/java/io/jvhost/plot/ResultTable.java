package io.jvhost.plot;

import io.jvhost.config.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Benchmark results (one JSON object per line, as every bench command prints them) grouped for a chart:
 * rows with the same category (the values of the x fields) and series (the value of the series field)
 * are one bar, whose height is the median of the y field over them (bench scripts repeat runs in rounds).
 * Categories and series keep the order they first appear in, which is the order the bench ran them.
 */
final class ResultTable {
    /** One x field and the prefix its value gets in a category label ({@code depth:qd} gives "qd32"). */
    record Axis(String field, String prefix) {
        static Axis parse(String spec) {
            int colon = spec.indexOf(':');
            return colon < 0 ? new Axis(spec, "") : new Axis(spec.substring(0, colon), spec.substring(colon + 1));
        }
    }

    private final List<String> categories = new ArrayList<>();
    private final List<String> series = new ArrayList<>();
    private final Map<String, List<Double>> samples = new LinkedHashMap<>();

    /**
     * Groups {@code lines}: lines that are not JSON objects (a bench's table) are skipped, as are objects
     * that lack the y field or do not match {@code where} (field=value pairs).
     */
    static ResultTable of(List<String> lines, List<Axis> x, String seriesField, String y, Map<String, String> where) {
        ResultTable t = new ResultTable();
        for (String line : lines) {
            String s = line.strip();
            if (!s.startsWith("{")) {
                continue;
            }
            if (!(Json.parse(s) instanceof Map<?, ?> row) || !(row.get(y) instanceof Number value) || !matches(row, where)) {
                continue;
            }
            String category = label(row, x);
            String name = seriesField == null ? y : text(row.get(seriesField));
            if (!t.categories.contains(category)) {
                t.categories.add(category);
            }
            if (!t.series.contains(name)) {
                t.series.add(name);
            }
            t.samples.computeIfAbsent(category + '\u0000' + name, k -> new ArrayList<>()).add(value.doubleValue());
        }
        return t;
    }

    List<String> categories() {
        return categories;
    }

    List<String> series() {
        return series;
    }

    /** The median of the bar's samples, or NaN when that series has no run in that category. */
    double median(String category, String seriesName) {
        List<Double> v = samples.get(category + '\u0000' + seriesName);
        if (v == null) {
            return Double.NaN;
        }
        double[] sorted = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** How many runs each bar is the median of, at most. */
    int rounds() {
        return samples.values().stream().mapToInt(List::size).max().orElse(0);
    }

    boolean isEmpty() {
        return samples.isEmpty();
    }

    private static boolean matches(Map<?, ?> row, Map<String, String> where) {
        return where.entrySet().stream().allMatch(e -> e.getValue().equals(text(row.get(e.getKey()))));
    }

    private static String label(Map<?, ?> row, List<Axis> x) {
        String[] parts = new String[x.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = x.get(i).prefix() + text(row.get(x.get(i).field()));
        }
        return String.join(" ", parts);
    }

    private static String text(Object v) {
        if (v instanceof Double d && d == Math.rint(d)) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(v);
    }
}
