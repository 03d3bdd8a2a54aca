package org.agentplatform.ingest.console;

/**
 * A series as the {@code points} of an SVG polyline, scaled into a {@code width} by {@code height} box (the
 * largest value at the top), rendered on the server: a trend is seen at a glance, and the page needs no script.
 */
record Sparkline(String points, long max, long last, int width, int height) {

    static Sparkline of(long[] values, int width, int height) {
        long max = 0;
        for (long v : values) {
            max = Math.max(max, v);
        }
        long scale = Math.max(1, max); // an all-zero series is a flat line at the bottom
        StringBuilder points = new StringBuilder();
        double step = values.length > 1 ? (double) width / (values.length - 1) : 0;
        for (int i = 0; i < values.length; i++) {
            double x = i * step;
            // one pixel of margin so that the line is not cut at the top and bottom
            double y = 1 + (height - 2) * (1 - (double) values[i] / scale);
            points.append(i == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.1f,%.1f", x, y));
        }
        return new Sparkline(points.toString(), max, values.length == 0 ? 0 : values[values.length - 1], width, height);
    }
}
