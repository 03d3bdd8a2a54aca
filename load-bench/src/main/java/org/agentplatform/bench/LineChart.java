package org.agentplatform.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

/** A minimal line chart on java.awt (headless): linear axes from zero, a legend, optional vertical markers. */
final class LineChart {

    record Series(String name, Color color, double[] x, double[] y) {
    }

    private static final int W = 900;
    private static final int H = 500;
    private static final int L = 80;
    private static final int R = 30;
    private static final int T = 50;
    private static final int B = 60;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Double> markers = new ArrayList<>();

    LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    LineChart add(String name, Color color, double[] x, double[] y) {
        series.add(new Series(name, color, x, y));
        return this;
    }

    LineChart marker(double x) {
        markers.add(x);
        return this;
    }

    void write(Path file) throws IOException {
        double maxX = 1e-9;
        double maxY = 1e-9;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    maxX = Math.max(maxX, s.x()[i]);
                    maxY = Math.max(maxY, s.y()[i]);
                }
            }
        }
        maxY = niceCeiling(maxY * 1.05);
        maxX = niceCeiling(maxX);
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.setColor(Color.BLACK);
        g.drawString(title, L, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int pw = W - L - R;
        int ph = H - T - B;
        for (int i = 0; i <= 5; i++) { // grid and tick labels
            int y = T + ph - ph * i / 5;
            int x = L + pw * i / 5;
            g.setColor(new Color(230, 230, 230));
            g.drawLine(L, y, L + pw, y);
            g.drawLine(x, T, x, T + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawString(label(maxY * i / 5), 8, y + 4);
            g.drawString(label(maxX * i / 5), x - 15, T + ph + 18);
        }
        g.setColor(Color.BLACK);
        g.drawRect(L, T, pw, ph);
        g.drawString(xLabel, L + pw / 2 - 40, H - 15);
        g.drawString(yLabel, 8, T - 10);
        g.setColor(Color.GRAY);
        for (double m : markers) {
            int x = (int) (L + pw * m / maxX);
            g.drawLine(x, T, x, T + ph);
        }
        int legendY = T + 18;
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(2f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                int x = (int) (L + pw * s.x()[i] / maxX);
                int y = (int) (T + ph - ph * s.y()[i] / maxY);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                if (s.x().length < 20) {
                    g.fillOval(x - 3, y - 3, 7, 7);
                }
                px = x;
                py = y;
            }
            g.fillRect(L + pw - 210, legendY - 9, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), L + pw - 190, legendY - 3);
            legendY += 18;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static double niceCeiling(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String label(double v) {
        return v >= 10_000 ? String.format("%.0fk", v / 1000) : v >= 10 ? String.format("%.0f", v) : String.format("%.1f", v);
    }
}
