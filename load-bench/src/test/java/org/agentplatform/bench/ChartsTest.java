package org.agentplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {

    /** Report's first palette colour: the first process's line. */
    private static final Color LEDGER_COLOUR = new Color(30, 120, 200);
    private static final int GAP = 12;

    /** 30 one-second samples: the ledger worker at 1.5 cores, without a figure at {@link #GAP}; PostgreSQL at 0.5. */
    private static List<Sampler.Sample> samples() {
        List<Sampler.Sample> out = new ArrayList<>();
        ProcessStats.Snapshot none = new ProcessStats.Snapshot(0, Map.of(), Map.of(), Map.of(), 0, 0);
        for (int i = 1; i <= 30; i++) {
            Map<String, Double> cores = new HashMap<>(Map.of(ProcessStats.POSTGRES, 0.5));
            if (i != GAP) {
                cores.put("ledger-worker", 1.5);
            }
            out.add(new Sampler.Sample(i, 100, 100L * i, 100L * i, 0, cores, Map.of(), Map.of(), 2.5,
                    new ConsumerLag.Lag(0, 0), 0, 0.1, none));
        }
        return out;
    }

    @Test
    void the_cpu_chart_writes_a_png_with_the_process_lines_and_a_gap_where_a_process_has_no_figure(@TempDir Path dir)
            throws IOException {
        JFreeChart chart = Report.cpuChart(List.of("ledger-worker", ProcessStats.POSTGRES), samples(), List.of(10.0, 20.0));
        Path file = dir.resolve("cpu.png");
        Charts.png(chart, file);

        assertThat(file).isNotEmptyFile();
        byte[] png = Files.readAllBytes(file);
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
        assertThat(pixelsOf(image, LEDGER_COLOUR)).as("pixels of the ledger worker's line").isGreaterThan(200);

        assertThat(chart.getTitle().getText()).isEqualTo("CPU per process");
        assertThat(chart.getXYPlot().getRangeAxis().getLabel()).isEqualTo("cores");
        assertThat(chart.getLegend()).isNotNull();
        XYDataset data = chart.getXYPlot().getDataset();
        assertThat(data.getSeriesCount()).isEqualTo(3); // two processes and the whole machine
        assertThat(data.getSeriesKey(0)).isEqualTo("ledger-worker");
        assertThat(data.getYValue(0, GAP - 2)).isEqualTo(1.5);
        assertThat(data.getYValue(0, GAP - 1)).as("no figure is no point, not a zero").isNaN();
        assertThat(chart.getXYPlot().getRangeAxis().getUpperBound()).isBetween(2.5, 4.0);
    }

    private static int pixelsOf(BufferedImage image, Color colour) {
        int n = 0;
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (colour.getRGB() & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }
}
