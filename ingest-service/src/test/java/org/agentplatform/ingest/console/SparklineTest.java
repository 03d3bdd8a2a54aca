package org.agentplatform.ingest.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SparklineTest {

    @Test
    void theLargestValueIsAtTheTopAndZeroAtTheBottom() {
        Sparkline line = Sparkline.of(new long[] { 0, 5, 10 }, 100, 22);
        assertThat(line.points()).isEqualTo("0.0,21.0 50.0,11.0 100.0,1.0");
        assertThat(line.max()).isEqualTo(10);
        assertThat(line.last()).isEqualTo(10);
    }

    @Test
    void anAllZeroSeriesIsAFlatLineWithAPeakOfZero() {
        Sparkline line = Sparkline.of(new long[] { 0, 0 }, 10, 12);
        assertThat(line.points()).isEqualTo("0.0,11.0 10.0,11.0");
        assertThat(line.max()).isZero();
    }
}
