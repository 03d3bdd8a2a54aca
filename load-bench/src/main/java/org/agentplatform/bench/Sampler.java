package org.agentplatform.bench;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Once a second: what was sent, accepted and applied so far, the backlog (accepted but not yet applied) and CPU
 * and memory; prints the progress line and keeps the series for the lag chart.
 */
final class Sampler implements AutoCloseable {

    record Sample(double t, int targetRate, long scheduled, long accepted, long failed, long applied,
                  double jvmCores, double pgCores, double machineCores, long jvmRss, long pgPss) {

        long backlog() {
            return accepted - applied;
        }
    }

    private final Counters counters;
    private final JdbcTemplate jdbc;
    private final ProcessStats stats;
    private final Timestamp since;
    private final long t0 = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-sampler");
        t.setDaemon(true);
        return t;
    });
    private volatile int targetRate;
    private volatile String label = "";
    private ProcessStats.Snapshot last;

    Sampler(Counters counters, JdbcTemplate jdbc, ProcessStats stats, Instant since) {
        this.counters = counters;
        this.jdbc = jdbc;
        this.stats = stats;
        this.since = Timestamp.from(since);
        this.last = stats.snapshot();
    }

    void start() {
        timer.scheduleAtFixedRate(this::sampleQuietly, 1, 1, TimeUnit.SECONDS);
    }

    void phase(String label, int targetRate) {
        this.label = label;
        this.targetRate = targetRate;
    }

    long applied() {
        return jdbc.queryForObject("select count(*) from processed_commands where processed_at >= ?", Long.class, since);
    }

    /** Takes a sample now (also used at step boundaries). */
    synchronized Sample sample() {
        long applied = applied();
        ProcessStats.Snapshot now = stats.snapshot();
        Sample s = new Sample((System.nanoTime() - t0) / 1e9, targetRate, counters.scheduled.sum(), counters.accepted(),
                counters.failed(), applied, now.jvmCores(last), now.pgCores(last), now.machineCores(last),
                now.jvmRssBytes(), now.pgPssBytes());
        last = now;
        samples.add(s);
        System.out.printf("\r%-22s t=%4.0fs sent=%,d accepted=%,d failed=%,d applied=%,d backlog=%,d | cpu jvm %.1f pg %.1f box %.1f cores | rss jvm %d MiB   ",
                label, s.t(), s.scheduled(), s.accepted(), s.failed(), s.applied(), s.backlog(), s.jvmCores(), s.pgCores(),
                s.machineCores(), s.jvmRss() >> 20);
        return s;
    }

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            System.err.println("\nsample failed: " + e);
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        System.out.println();
    }
}
