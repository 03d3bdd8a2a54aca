package org.agentplatform.audit.cdc;

import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.CpuUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rough figures for the pipeline on this machine: commit-to-acknowledgement latency of small transactions,
 * and throughput of a backlog of audited inserts, both to Kafka (engine → {@code audit.changes}) and through
 * the whole path into {@code audit_log} (engine → Kafka → audit log consumer), with the CPU it took: of this
 * JVM (which also runs the Kafka broker and the inserting client) by thread group, and of PostgreSQL. Run with
 * {@code ./mvnw -B -q -pl audit-worker -am test -Dtest=CdcThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Daudit.bench=true [-Daudit.bench.rows=100000] [-Daudit.bench.warmup=0] [-Daudit.bench.rounds=1]} (from the
 * repository's root, after a build or on a fresh clone: {@code -am} builds the sibling modules it needs); the figures
 * are the log lines starting with {@code BENCH}. Without a warm-up the JIT compiles much of the bulk path during the
 * measured run (its time is reported); even after a warm-up of 150,000 it still compiles for a while, which is why
 * several rounds are worth running: the later ones are the steady state.
 */
@EnabledIfSystemProperty(named = "audit.bench", matches = "true")
class CdcThroughputBenchmark extends AuditWorkerIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(CdcThroughputBenchmark.class);

    private MeterRegistry meters;

    @Test
    void measure() throws Exception {
        ConfigurableApplicationContext context = startRunning();
        DataSource dataSource = context.getBean(DataSource.class);
        meters = context.getBean(MeterRegistry.class);
        Ledger ledger = new Ledger(dataSource);
        JdbcClient sql = JdbcClient.create(dataSource);

        // latency: one small transaction at a time (5 row changes and one event each), each awaited before the next
        double before = published();
        for (int i = 0; i < 200; i++) {
            ledger.registerAndGrant("lat-" + i, 1);
            double target = before + 6 * (i + 1);
            await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10)).until(() -> published() >= target);
        }
        Timer lag = meters.get("audit.cdc.lag").timer();
        StringBuilder percentiles = new StringBuilder();
        for (ValueAtPercentile p : lag.takeSnapshot().percentileValues()) {
            percentiles.append(String.format(" p%.0f=%.1fms", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
        }
        log.info("BENCH latency commit->Kafka ack over {} batches:{} mean={}ms max={}ms", lag.count(), percentiles,
                String.format("%.1f", lag.mean(TimeUnit.MILLISECONDS)), String.format("%.1f", lag.max(TimeUnit.MILLISECONDS)));

        // optionally a backlog like the measured one first, so that the JIT has compiled the bulk path
        int warmup = Integer.getInteger("audit.bench.warmup", 0);
        if (warmup > 0) {
            double warmupStart = published();
            insertAgents(warmup);
            await().pollInterval(Duration.ofMillis(50)).atMost(Duration.ofMinutes(5)).until(() -> published() >= warmupStart + warmup);
            log.info("BENCH warm-up: {} row changes published", warmup);
        }
        // throughput: backlogs of audited inserts committed in transactions of 1,000 rows, then drained; several
        // rounds give the steady state (the first still pays for much of the JIT compilation of the bulk path)
        int rows = Integer.getInteger("audit.bench.rows", 100_000);
        int rounds = Integer.getInteger("audit.bench.rounds", 1);
        List<Round> results = new java.util.ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            results.add(throughput(sql, rows, round));
        }
        if (rounds > 1) {
            log.info("BENCH rounds (changes/s into audit_log, core-us per change of the path: JVM + PostgreSQL without the "
                    + "inserting backend, and of it JIT compilation):{}", results.stream()
                    .map(r -> String.format("%n  round %d: %,d changes/s, %d core-us/change (JVM %d, PostgreSQL %d; JIT %d)",
                            r.round, r.perSecond, r.jvmMicros + r.postgresMicros, r.jvmMicros, r.postgresMicros, r.jitMicros))
                    .collect(Collectors.joining()));
        }
    }

    /** One round's figures; micros are core-µs per row change. */
    private record Round(int round, long perSecond, long jvmMicros, long postgresMicros, long jitMicros) {
    }

    private Round throughput(JdbcClient sql, int rows, int round) throws Exception {
        // the audit log has caught up with what came before (latency phase, snapshot, warm-up, earlier rounds)
        long auditedSoFar = (long) meters.get("audit.cdc.published").tag("kind", "audit").counter().count();
        await().atMost(Duration.ofMinutes(5)).until(() -> logged(sql) >= auditedSoFar);

        double start = published();
        long logStart = logged(sql);
        long batchesBefore = meters.get("audit.cdc.batch").timer().count();
        CpuUsage cpuBefore = CpuUsage.take();
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long t0 = System.nanoTime();
        long insertCpu = insertAgents(rows);
        long committed = System.nanoTime();
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofMinutes(5)).until(() -> published() >= start + rows);
        long drained = System.nanoTime();
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofMinutes(5)).until(() -> logged(sql) >= logStart + rows);
        long inLog = System.nanoTime();
        CpuUsage.Interval cpu = CpuUsage.take().since(cpuBefore);

        log.info("BENCH round {} throughput: {} row changes committed in {} ms, all published after {} ms: {} changes/s "
                        + "end to end ({} engine batches)", round, rows, millis(committed - t0), millis(drained - t0),
                perSecond(rows, drained - t0), meters.get("audit.cdc.batch").timer().count() - batchesBefore);
        log.info("BENCH round {} throughput to audit_log: all {} row changes in audit_log after {} ms: {} changes/s end to "
                + "end (engine -> Kafka -> audit log)", round, rows, millis(inLog - t0), perSecond(rows, inLog - t0));
        log.info("BENCH {}", cpu.describe(rows, "change", inLog - t0));
        log.info("BENCH cpu of the PostgreSQL backend that inserted the rows (part of the above, not of the path): {} s",
                String.format("%.1f", insertCpu / 1e9));
        // other work on the machine skews the figures: the load average says how busy it was
        log.info("BENCH machine: {} cores, load average {} before the throughput run, {} after",
                Runtime.getRuntime().availableProcessors(), String.format("%.2f", loadBefore),
                String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        log.info("BENCH audit log appends: {} transactions for the {} entries",
                sql.sql("select count(distinct recorded_at) from audit_log where seq > ?").param(logStart)
                        .query(Long.class).single(), rows);
        long postgres = cpu.postgresNanos() < 0 || insertCpu < 0 ? -1 : cpu.postgresNanos() - insertCpu;
        return new Round(round, perSecond(rows, inLog - t0), cpu.jvmNanos() / 1000 / rows,
                postgres < 0 ? -1 : postgres / 1000 / rows, cpu.compilerNanos() / 1000 / rows);
    }

    /**
     * Audited inserts into agents, committed in transactions of 1,000 rows, on a connection of their own; returns
     * the CPU its PostgreSQL backend used (-1 where /proc is not there), to tell it from the audit log's appends.
     */
    private long insertAgents(int rows) throws java.sql.SQLException {
        try (Connection c = superuser().getConnection();
             PreparedStatement insert = c.prepareStatement("""
                     insert into agents (id, name, status, metadata, created_at, updated_at)
                     select gen_random_uuid(), 'bulk-' || g, 'ACTIVE', '{}'::jsonb, now(), now()
                     from generate_series(1, 1000) g""")) {
            long pid;
            try (var rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            for (int i = 0; i < rows / 1000; i++) {
                insert.executeUpdate();
            }
            return CpuUsage.processNanos(pid);
        }
    }

    private double published() {
        return meters.get("audit.cdc.published").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Entries in the audit log: the chain head's seq (no holes), cheaper to poll than counting rows. */
    private static long logged(JdbcClient sql) {
        return sql.sql("select seq from audit_chain_head").query(Long.class).single();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long perSecond(long count, long nanos) {
        return (long) (count / (nanos / 1e9));
    }
}
