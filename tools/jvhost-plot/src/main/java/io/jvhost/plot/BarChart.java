package io.jvhost.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Grouped bar charts, one panel per measured field stacked under one title and one legend: a group of
 * bars per category (a workload), a bar per series (a back-end), drawn with Java2D into an image.
 */
final class BarChart {
    /** One panel: its heading (what is measured, with the unit) and its grouped values. */
    record Panel(String heading, ResultTable table) {
    }

    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};
    static final int BAR = 22;
    static final int GROUP_GAP = 28;
    static final int LEFT = 70;
    static final int RIGHT = 20;
    static final int TITLE_HEIGHT = 56;
    static final int PLOT_HEIGHT = 190;
    static final int PANEL_HEIGHT = PLOT_HEIGHT + 96;

    private BarChart() {
    }

    /** Draws {@code panels} under {@code title}; the series of the first panel name the legend. */
    static BufferedImage render(String title, List<Panel> panels) {
        int width = width(panels);
        int height = TITLE_HEIGHT + PANEL_HEIGHT * panels.size();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(title, LEFT - 50, 22);
            legend(g, panels.isEmpty() ? List.of() : panels.get(0).table().series(), LEFT - 50, 42);
            for (int i = 0; i < panels.size(); i++) {
                panel(g, panels.get(i), TITLE_HEIGHT + i * PANEL_HEIGHT, width);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    /** The image width: at least 720 pixels, wider when the groups need more at the narrowest bars. */
    static int width(List<Panel> panels) {
        int widest = 0;
        for (Panel p : panels) {
            widest = Math.max(widest, minGroupWidth(p.table()) * p.table().categories().size());
        }
        return Math.max(720, LEFT + widest + RIGHT);
    }

    /** The x pixel of the centre of bar {@code s} in group {@code c} of an image {@code width} wide. */
    static int barCentre(ResultTable t, int width, int c, int s) {
        int group = groupWidth(t, width);
        int bar = barWidth(t, width);
        int bars = bar * Math.max(1, t.series().size());
        return LEFT + c * group + (group - bars) / 2 + s * bar + bar / 2;
    }

    /** The y pixel of the plot's zero line in panel {@code index}. */
    static int baseline(int index) {
        return TITLE_HEIGHT + index * PANEL_HEIGHT + 30 + PLOT_HEIGHT;
    }

    private static int minGroupWidth(ResultTable t) {
        return Math.max(1, t.series().size()) * BAR + GROUP_GAP;
    }

    /** Groups share the plot's width, so a chart of two workloads is as wide as one of sixteen. */
    private static int groupWidth(ResultTable t, int width) {
        return Math.max(minGroupWidth(t), (width - LEFT - RIGHT) / Math.max(1, t.categories().size()));
    }

    private static int barWidth(ResultTable t, int width) {
        return Math.min(2 * BAR, (groupWidth(t, width) - GROUP_GAP) / Math.max(1, t.series().size()));
    }

    private static void legend(Graphics2D g, List<String> series, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        for (int s = 0; s < series.size(); s++) {
            g.setColor(PALETTE[s % PALETTE.length]);
            g.fillRect(x, y - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s), x + 16, y);
            x += 16 + fm.stringWidth(series.get(s)) + 18;
        }
    }

    private static void panel(Graphics2D g, Panel p, int top, int width) {
        ResultTable t = p.table();
        int plotTop = top + 30;
        int base = plotTop + PLOT_HEIGHT;
        int group = groupWidth(t, width);
        int bar = barWidth(t, width);
        int right = LEFT + group * t.categories().size();
        double max = 0;
        for (String c : t.categories()) {
            for (String s : t.series()) {
                double v = t.median(c, s);
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        Ticks ticks = Ticks.upTo(max, 5);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(p.heading(), LEFT - 50, top + 18);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        FontMetrics fm = g.getFontMetrics();
        for (double v : ticks.values()) {
            int y = base - (int) Math.round(v / ticks.top * PLOT_HEIGHT);
            g.setColor(new Color(0xdddddd));
            g.drawLine(LEFT, y, right, y);
            g.setColor(Color.DARK_GRAY);
            String label = Ticks.label(v);
            g.drawString(label, LEFT - 6 - fm.stringWidth(label), y + 4);
        }
        for (int c = 0; c < t.categories().size(); c++) {
            String category = t.categories().get(c);
            for (int s = 0; s < t.series().size(); s++) {
                double v = t.median(category, t.series().get(s));
                if (Double.isNaN(v)) {
                    continue;
                }
                int h = (int) Math.round(v / ticks.top * PLOT_HEIGHT);
                int x = barCentre(t, width, c, s) - bar / 2;
                g.setColor(PALETTE[s % PALETTE.length]);
                g.fillRect(x + 1, base - h, bar - 2, h);
            }
            categoryLabel(g, category, LEFT + c * group + group / 2, base + 14);
        }
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1));
        g.drawLine(LEFT, base, right, base);
        g.drawLine(LEFT, plotTop, LEFT, base);
    }

    /** A category's words, one per line, centred under its group. */
    private static void categoryLabel(Graphics2D g, String category, int centre, int y) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        FontMetrics fm = g.getFontMetrics();
        String[] words = category.split(" ");
        for (int i = 0; i < words.length && i < 5; i++) {
            g.drawString(words[i], centre - fm.stringWidth(words[i]) / 2, y + i * (fm.getHeight()));
        }
    }
}
