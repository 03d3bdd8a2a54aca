package org.agentplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.assertj.core.data.Offset;

import org.junit.jupiter.api.Test;

class ProcessStatsTest {

    private static final int CORES = 4;
    private static final long SECOND = 1_000_000_000L;
    private static final Offset<Double> EXACT = offset(1e-9);

    private static final ProcessStats.Proc LEDGER = new ProcessStats.Proc(100, 5);
    private static final ProcessStats.Proc LEDGER_RESTARTED = new ProcessStats.Proc(101, 500);
    private static final ProcessStats.Proc INGEST = new ProcessStats.Proc(200, 300);
    /** Another process that got the ingest service's pid after it died. */
    private static final ProcessStats.Proc INGEST_PID_REUSED = new ProcessStats.Proc(200, 900);
    private static final ProcessStats.Proc GENERATOR = new ProcessStats.Proc(10, 1);
    private static final ProcessStats.Proc POSTMASTER = new ProcessStats.Proc(50, 2);
    /** A long-lived backend that ends after the first sample: 40 s of CPU in its life. */
    private static final ProcessStats.Proc BACKEND_A = new ProcessStats.Proc(60, 3);
    /** A backend started after the first sample with 0.5 s of CPU already when first seen. */
    private static final ProcessStats.Proc BACKEND_B = new ProcessStats.Proc(61, 400);

    private static ProcessStats.Reading jvm(ProcessStats.Proc p, long nanos, long ticks) {
        return new ProcessStats.Reading(p, nanos, Map.of(p, ticks));
    }

    private static ProcessStats.Snapshot snapshot(long nanos, ProcessStats.Reading generator, ProcessStats.Reading ledger,
                                                  ProcessStats.Reading ingest, Map<ProcessStats.Proc, Long> postgres) {
        Map<String, ProcessStats.Reading> cpu = new LinkedHashMap<>();
        cpu.put(ProcessStats.BENCH, generator);
        if (ledger != null) {
            cpu.put("ledger-worker", ledger);
        }
        if (ingest != null) {
            cpu.put("ingest-service", ingest);
        }
        cpu.put(ProcessStats.POSTGRES, new ProcessStats.Reading(POSTMASTER, nanos, postgres));
        return new ProcessStats.Snapshot(nanos, cpu, Map.of(), Map.of(), 0, 0);
    }

    /**
     * One sample a second. The ingest service appears at the second sample with 30 s of CPU already; the ledger
     * worker restarts (new pid and start time) at the third; at the fourth the ingest pid belongs to another
     * process, and a bad read has the generator at 50 cores.
     */
    private static List<ProcessStats.Snapshot> run() {
        List<ProcessStats.Snapshot> s = new ArrayList<>();
        s.add(snapshot(0, jvm(GENERATOR, 0, 1_000), jvm(LEDGER, 0, 1_000), null,
                Map.of(POSTMASTER, 10L, BACKEND_A, 4_000L)));
        s.add(snapshot(SECOND, jvm(GENERATOR, SECOND, 1_050), jvm(LEDGER, SECOND, 1_100), jvm(INGEST, SECOND, 3_000),
                Map.of(POSTMASTER, 12L, BACKEND_B, 50L)));
        s.add(snapshot(2 * SECOND, jvm(GENERATOR, 2 * SECOND, 1_100), jvm(LEDGER_RESTARTED, 2 * SECOND, 4_000),
                jvm(INGEST, 2 * SECOND, 3_150), Map.of(POSTMASTER, 14L, BACKEND_B, 100L)));
        s.add(snapshot(3 * SECOND, jvm(GENERATOR, 3 * SECOND, 6_100), jvm(LEDGER_RESTARTED, 3 * SECOND, 4_080),
                jvm(INGEST_PID_REUSED, 3 * SECOND, 5_000), Map.of(POSTMASTER, 15L, BACKEND_B, 180L)));
        return s;
    }

    private static List<ProcessStats.Rates> rates(List<ProcessStats.Snapshot> s) {
        List<ProcessStats.Rates> r = new ArrayList<>();
        for (int i = 1; i < s.size(); i++) {
            r.add(s.get(i).cores(s.get(i - 1), CORES));
        }
        return r;
    }

    @Test
    void no_rate_is_above_the_core_count_and_the_impossible_one_is_dropped_and_reported() {
        List<ProcessStats.Rates> r = rates(run());
        assertThat(r).allSatisfy(rates -> assertThat(rates.cores().values()).allSatisfy(c -> assertThat(c).isBetween(0.0, (double) CORES)));
        // the bad read: not clamped to the core count, gone from the figures and counted apart
        assertThat(r.get(2).cores()).doesNotContainKey(ProcessStats.BENCH);
        assertThat(r.get(2).impossible()).containsOnlyKeys(ProcessStats.BENCH);
        assertThat(r.get(2).impossible().get(ProcessStats.BENCH)).isCloseTo(50.0, EXACT);
        assertThat(r.get(0).impossible()).isEmpty();
        assertThat(r.get(1).impossible()).isEmpty();
    }

    @Test
    void a_process_that_appears_mid_run_has_no_point_for_its_first_sample() {
        List<ProcessStats.Rates> r = rates(run());
        assertThat(r.get(0).cores()).doesNotContainKey("ingest-service"); // not 30 cores of its life before
        assertThat(r.get(1).cores().get("ingest-service")).isCloseTo(1.5, EXACT);
    }

    @Test
    void a_restart_with_a_new_pid_or_start_time_has_no_point_until_seen_twice() {
        List<ProcessStats.Rates> r = rates(run());
        assertThat(r.get(0).cores().get("ledger-worker")).isCloseTo(1.0, EXACT);
        assertThat(r.get(1).cores()).doesNotContainKey("ledger-worker"); // not 4,000 ticks from zero, nor 29 cores
        assertThat(r.get(2).cores().get("ledger-worker")).isCloseTo(0.8, EXACT);
        // same pid, another start time: another process
        assertThat(r.get(2).cores()).doesNotContainKey("ingest-service");
    }

    @Test
    void postgres_counts_only_backends_seen_at_both_ends_so_an_ended_or_new_backend_brings_no_lifetime_cpu() {
        List<ProcessStats.Rates> r = rates(run());
        // A ended and B started in the first interval: only the postmaster's 2 ticks are known to be in it
        assertThat(r.get(0).cores().get(ProcessStats.POSTGRES)).isCloseTo(0.02, EXACT);
        assertThat(r.get(1).cores().get(ProcessStats.POSTGRES)).isCloseTo(0.52, EXACT);
    }

    @Test
    void a_step_figure_is_cpu_time_at_its_end_minus_at_its_start_of_processes_alive_at_both() {
        List<ProcessStats.Snapshot> s = run();
        // from the second sample to the fourth: the generator's bad read is in it, as a total over the step
        ProcessStats.Rates step = s.get(2).cores(s.get(0), CORES);
        assertThat(step.cores().get(ProcessStats.BENCH)).isCloseTo(0.5, EXACT); // 100 ticks over 2 s
        assertThat(step.cores()).doesNotContainKey("ledger-worker").doesNotContainKey("ingest-service");
        assertThat(step.cores().get(ProcessStats.POSTGRES)).isCloseTo(0.02, EXACT); // the postmaster's 4 ticks over 2 s
        // rates are per time between readings, not per sample: a reading taken late counts over its own interval
        ProcessStats.Snapshot late = snapshot(SECOND, jvm(GENERATOR, SECOND + SECOND / 4, 1_125), jvm(LEDGER, SECOND, 1_100),
                null, Map.of(POSTMASTER, 10L));
        assertThat(late.cores(s.get(0), CORES).cores().get(ProcessStats.BENCH)).isCloseTo(1.0, EXACT);
    }
}
