package org.agentplatform.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's line charts, drawn with JFreeChart without a display and saved as PNG. */
final class Charts {

    static final int WIDTH = 900;
    static final int HEIGHT = 500;
    /** Fewer points than this (one per step) get a marker each; denser series (one per second) are lines only. */
    private static final int MARKERS_BELOW = 20;

    static {
        // the benchmark runs as java -jar on machines without a display: AWT must not look for one
        System.setProperty("java.awt.headless", "true");
    }

    /** One line; a NaN y is no point there, and leaves a gap rather than a zero. */
    record Line(String name, Color color, double[] x, double[] y) {
    }

    private Charts() {
    }

    /**
     * Axes from zero, a legend, and vertical lines at {@code markers} (step starts) on the x axis.
     */
    static JFreeChart lines(String title, String xLabel, String yLabel, List<Line> lines, List<Double> markers) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Line l : lines) {
            XYSeries series = new XYSeries(l.name(), false, true);
            for (int i = 0; i < l.x().length; i++) {
                series.add(l.x()[i], Double.isFinite(l.y()[i]) ? (Number) l.y()[i] : null);
            }
            data.addSeries(series);
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true,
                false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(220, 220, 220));
        plot.setRangeGridlinePaint(new Color(220, 220, 220));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < lines.size(); i++) {
            renderer.setSeriesPaint(i, lines.get(i).color());
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesShapesVisible(i, lines.get(i).x().length < MARKERS_BELOW);
        }
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getDomainAxis()).setAutoRangeIncludesZero(true);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        markers.forEach(x -> plot.addDomainMarker(new ValueMarker(x, Color.GRAY, new BasicStroke(1f))));
        return chart;
    }

    static void png(JFreeChart chart, Path file) throws IOException {
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
    }
}
