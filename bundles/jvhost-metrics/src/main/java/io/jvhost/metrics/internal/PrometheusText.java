package io.jvhost.metrics.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Prometheus' text exposition format (version 0.0.4). The format wants every sample of a family in one
 * group after its {@code # HELP} and {@code # TYPE} lines, so samples are collected per family, in the
 * order families were first declared, and written out together.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final Map<String, Family> families = new LinkedHashMap<>();

    /** Family {@code name} of {@code type} (counter, gauge, histogram); declared the first time only. */
    Family family(String name, String type, String help) {
        return families.computeIfAbsent(name, n -> new Family(n, type, help));
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(4096);
        for (Family f : families.values()) {
            out.append("# HELP ").append(f.name).append(' ').append(f.help).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.type).append('\n');
            out.append(f.samples);
        }
        return out.toString();
    }

    /** One metric family's samples. */
    static final class Family {
        private final String name;
        private final String type;
        private final String help;
        private final StringBuilder samples = new StringBuilder();

        private Family(String name, String type, String help) {
            this.name = name;
            this.type = type;
            this.help = help;
        }

        /** One sample named like the family; {@code labels} alternate name and value. */
        Family sample(double value, String... labels) {
            return sample("", value, labels);
        }

        /** One sample named family + {@code suffix} (a histogram's _bucket, _sum, _count). */
        Family sample(String suffix, double value, String... labels) {
            samples.append(name).append(suffix);
            if (labels.length > 0) {
                samples.append('{');
                for (int i = 0; i < labels.length; i += 2) {
                    if (i > 0) {
                        samples.append(',');
                    }
                    samples.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
                }
                samples.append('}');
            }
            samples.append(' ').append(format(value)).append('\n');
            return this;
        }
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.isInfinite(v) ? (v > 0 ? "+Inf" : "-Inf") : String.format(Locale.ROOT, "%.9g", v);
    }
}
