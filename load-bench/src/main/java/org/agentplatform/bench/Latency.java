package org.agentplatform.bench;

import java.util.Arrays;

/** Milliseconds. {@code count} is how many commands the figures cover. */
record Latency(long count, double p50, double p99, double max) {

    static final Latency NONE = new Latency(0, Double.NaN, Double.NaN, Double.NaN);

    static Latency of(double[] millis) {
        if (millis.length == 0) {
            return NONE;
        }
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Latency(sorted.length, at(sorted, 0.50), at(sorted, 0.99), sorted[sorted.length - 1]);
    }

    private static double at(double[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    String p50p99() {
        return count == 0 ? "n/a" : String.format("%.0f / %.0f", p50, p99);
    }
}
