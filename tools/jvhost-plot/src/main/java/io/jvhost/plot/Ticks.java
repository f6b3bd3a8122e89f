package io.jvhost.plot;

import java.util.Locale;

/** A value axis from zero: a round step (1, 2 or 5 times a power of ten) and short labels (1.5M, 250K). */
final class Ticks {
    final double step;
    final double top;

    private Ticks(double step, double top) {
        this.step = step;
        this.top = top;
    }

    /** About {@code count} steps from 0 to at least {@code max}. */
    static Ticks upTo(double max, int count) {
        if (!(max > 0) || Double.isInfinite(max)) {
            return new Ticks(1, count);
        }
        double raw = max / count;
        double power = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw <= power ? power : raw <= 2 * power ? 2 * power : raw <= 5 * power ? 5 * power : 10 * power;
        return new Ticks(step, Math.ceil(max / step - 1e-9) * step);
    }

    /** Tick values from 0 to {@link #top}. */
    double[] values() {
        int n = (int) Math.round(top / step);
        double[] v = new double[n + 1];
        for (int i = 0; i <= n; i++) {
            v[i] = i * step;
        }
        return v;
    }

    static String label(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(v / 1e3) + "K";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.3f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
