package org.agentplatform.bench;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Once a second: what was sent and accepted so far, the backlogs (consumer-group lag in Kafka on the command topics
 * and on the audit stream; WAL the replication slot still holds; how far the audit log trails the newest commit),
 * and CPU and memory of every process; prints the progress line and keeps the series for the charts. Every query
 * here is an index lookup or a catalog read: the sampler must not load the database it measures.
 */
final class Sampler implements AutoCloseable {

    /**
     * @param auditDelaySeconds now minus the commit time of the newest audit log entry: how far the audit log
     *                          trails the database while commits keep coming
     * @param slotLagBytes      WAL between the current position and what the CDC engine has confirmed
     * @param cores             CPU since the previous rated sample, of the processes that have a figure (see
     *                          {@link ProcessStats}); empty, and machineCores NaN, for a sample too close to it
     * @param processes         the readings the rates came from: a step's figures are taken from those at its ends
     */
    record Sample(double t, int targetRate, long scheduled, long accepted, long failed,
                  Map<String, Double> cores, Map<String, Double> jitCores, Map<String, Long> memory,
                  double machineCores, ConsumerLag.Lag lag,
                  long slotLagBytes, double auditDelaySeconds, ProcessStats.Snapshot processes) {

        /**
         * Commands accepted but not yet applied: the workers' consumer lag on the command topics (a command accepted
         * over HTTP is in Kafka before it is acknowledged). Read from Kafka because counting the inbox table every
         * second would itself load the database under test.
         */
        long backlog() {
            return Math.max(0, lag.commands());
        }
    }

    private static final String SLOT_LAG = "select coalesce(max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)), 0)::bigint"
            + " from pg_replication_slots where slot_type = 'logical' and database = current_database()";
    /**
     * A step boundary takes a sample right after the timer's: over a few milliseconds, one clock tick (10 ms) of
     * CPU reads as cores. Such a sample has no CPU figures; the next one covers both intervals.
     */
    private static final long MIN_RATE_NANOS = 500_000_000L;
    private static final String AUDIT_DELAY = "select coalesce(extract(epoch from clock_timestamp() - (select commit_time"
            + " from audit_log order by seq desc limit 1)), 0)";

    private final Counters counters;
    private final JdbcTemplate jdbc;
    private final ProcessStats stats;
    private final ConsumerLag lag;
    private final Timestamp since;
    private final long t0 = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final List<String> impossible = new ArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-sampler");
        t.setDaemon(true);
        return t;
    });
    private volatile int targetRate;
    private volatile String label = "";
    private ProcessStats.Snapshot last;

    Sampler(Counters counters, JdbcTemplate jdbc, ProcessStats stats, ConsumerLag lag, Instant since) {
        this.counters = counters;
        this.jdbc = jdbc;
        this.stats = stats;
        this.lag = lag;
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

    /** Exact, from the inbox table: a full count, for the end of the run only. */
    long applied() {
        return Objects.requireNonNull(jdbc.queryForObject(
                "select count(*) from processed_commands where processed_at >= ?", Long.class, since), "count");
    }

    /** Nothing in flight and no lag on the command topics: everything accepted has been applied. */
    boolean drained() {
        return counters.inFlight() == 0 && lag.read().commands() == 0;
    }

    /** Takes a sample now (also used at step boundaries). */
    synchronized Sample sample() {
        ConsumerLag.Lag kafkaLag = lag.read();
        // both coalesce over an aggregate: one row, never null
        long slot = Objects.requireNonNull(jdbc.queryForObject(SLOT_LAG, Long.class), "slot lag");
        double auditDelay = Objects.requireNonNull(jdbc.queryForObject(AUDIT_DELAY, Double.class), "audit delay");
        ProcessStats.Snapshot now = stats.snapshot();
        boolean rated = now.nanos() - last.nanos() >= MIN_RATE_NANOS;
        ProcessStats.Rates cpuRates = rated ? now.cores(last) : ProcessStats.Rates.NONE;
        ProcessStats.Rates jitRates = rated ? now.jitCores(last) : ProcessStats.Rates.NONE;
        Map<String, Double> cores = cpuRates.cores();
        Sample s = new Sample((System.nanoTime() - t0) / 1e9, targetRate, counters.scheduled.sum(), counters.accepted(),
                counters.failed(), cores, jitRates.cores(), now.memoryBytes(), rated ? now.machineCores(last) : Double.NaN,
                kafkaLag, slot, auditDelay, now);
        if (rated) {
            last = now;
        }
        samples.add(s);
        cpuRates.impossible().forEach((name, c) -> impossible.add(String.format("%s %.1f cores at %.0f s", name, c, s.t())));
        jitRates.impossible().forEach((name, c) -> impossible.add(String.format("%s JIT %.1f cores at %.0f s", name, c, s.t())));
        StringBuilder cpu = new StringBuilder();
        stats.names().forEach(n -> cpu.append(' ').append(shortName(n))
                .append(cores.containsKey(n) ? String.format(" %.1f", cores.get(n)) : " -"));
        System.out.printf("\r%-20s t=%4.0fs sent=%,d accepted=%,d lag commands/audit %,d/%,d slot %,d KiB audit -%.1fs | cpu%s box %s   ",
                label, s.t(), s.scheduled(), s.accepted(), kafkaLag.commands(), kafkaLag.auditChanges(),
                slot >> 10, auditDelay, cpu, rated ? String.format("%.1f", s.machineCores()) : "-");
        return s;
    }

    static String shortName(String process) {
        return switch (process) {
            case ProcessStats.BENCH -> "gen";
            case ProcessStats.POSTGRES -> "pg";
            default -> process.replace("-worker", "").replace("-service", "");
        };
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

    /** The per-sample CPU rates dropped as impossible (above the core count, or below zero), as "name cores at t". */
    synchronized List<String> impossibleRates() {
        return List.copyOf(impossible);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        System.out.println();
    }
}
