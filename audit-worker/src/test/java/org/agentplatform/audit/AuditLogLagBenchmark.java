package org.agentplatform.audit;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * End-to-end CDC lag, commit of a ledger transaction to its audit log entries, at a steady open-loop load.
 * Run with:
 * {@code mvn -B -pl audit-worker test -Dtest=AuditLogLagBenchmark -Daudit.bench=true
 * [-Daudit.bench.tps=200] [-Daudit.bench.seconds=30] [-Daudit.bench.warmup=15]}
 * A benchmark prints figures and asserts none, so it is not part of the test suite: without the property JUnit
 * reports it as disabled.
 */
@EnabledIfSystemProperty(named = "audit.bench", matches = "true")
class AuditLogLagBenchmark extends AuditWorkerIntegrationTest {

    @Test
    void commitToAuditLogLag() throws Exception {
        int tps = Integer.getInteger("audit.bench.tps", 200);
        int seconds = Integer.getInteger("audit.bench.seconds", 30);
        int warmup = Integer.getInteger("audit.bench.warmup", 15);
        ConfigurableApplicationContext context = startRunning("--spring.datasource.hikari.maximum-pool-size=8");
        DataSource pool = context.getBean(DataSource.class);
        Ledger ledger = new Ledger(pool);

        // open loop: 4 threads, each fires at a fixed rate whatever the pipeline does
        int threads = 4;
        long periodMicros = 1_000_000L * threads / tps;
        AtomicLong written = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ScheduledExecutorService load = Executors.newScheduledThreadPool(threads);
        Instant measureFrom = Instant.now().plusSeconds(warmup);
        List<java.util.concurrent.ScheduledFuture<?>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tasks.add(load.scheduleAtFixedRate(() -> {
                try {
                    ledger.registerAndGrant("bench", 1);
                    written.incrementAndGet();
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }, t * periodMicros / threads, periodMicros, TimeUnit.MICROSECONDS));
        }
        await().atMost(Duration.ofSeconds(warmup + seconds + 60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Instant.now().isAfter(measureFrom.plusSeconds(seconds)));
        tasks.forEach(f -> f.cancel(false));
        load.shutdown();
        load.awaitTermination(30, TimeUnit.SECONDS);
        long transactions = written.get();
        await().atMost(Duration.ofSeconds(120)).until(() -> logCount() >= 1 + 5 * transactions);

        Map<String, Object> row = JdbcClient.create(superuser()).sql("""
                        select count(*) as n,
                               percentile_cont(0.5) within group (order by ms) as p50,
                               percentile_cont(0.99) within group (order by ms) as p99,
                               max(ms) as max
                        from (select extract(epoch from recorded_at - commit_time) * 1000 as ms
                              from audit_log where operation <> 'SNAPSHOT' and commit_time >= ?) x""")
                .param(java.sql.Timestamp.from(measureFrom)).query().singleRow();
        // the same per 5 s of commit time: shows whether the tail is a backlog at the start or spread out
        JdbcClient.create(superuser()).sql("""
                        select floor(extract(epoch from commit_time - ?::timestamptz) / 5)::int * 5 as from_s, count(*) as n,
                               percentile_cont(0.5) within group (order by ms) as p50,
                               percentile_cont(0.99) within group (order by ms) as p99
                        from (select commit_time, extract(epoch from recorded_at - commit_time) * 1000 as ms
                              from audit_log where operation <> 'SNAPSHOT' and commit_time >= ?) x
                        group by 1 order by 1""")
                .params(java.sql.Timestamp.from(measureFrom), java.sql.Timestamp.from(measureFrom)).query().listOfRows()
                .forEach(r -> System.out.printf("BENCH   +%ss: %s changes, p50=%.1f ms p99=%.1f ms%n", r.get("from_s"),
                        r.get("n"), ((Number) r.get("p50")).doubleValue(), ((Number) r.get("p99")).doubleValue()));
        Timer afterCommit = context.getBean(MeterRegistry.class).get("audit.log.lag").timer();
        Timer toKafka = context.getBean(MeterRegistry.class).get("audit.cdc.lag").timer();
        StringBuilder kafkaPercentiles = new StringBuilder();
        for (var p : toKafka.takeSnapshot().percentileValues()) {
            kafkaPercentiles.append(String.format(" p%.0f=%.1fms", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
        }
        System.out.printf("BENCH audit log lag at %d tx/s offered (%d row changes/s), %d s after %d s warm-up: "
                        + "%d transactions written (%d failed), %s changes measured; commit -> audit_log append: "
                        + "p50=%.1f ms p99=%.1f ms max=%.1f ms; Micrometer audit.log.lag (to the log's commit) mean=%.1f ms max=%.1f ms; "
                        + "stage 1 audit.cdc.lag (commit -> Kafka ack, recent window):%s; load average %s%n",
                tps, tps * 5, seconds, warmup, transactions, failed.get(), row.get("n"),
                ((Number) row.get("p50")).doubleValue(), ((Number) row.get("p99")).doubleValue(),
                ((Number) row.get("max")).doubleValue(), afterCommit.mean(TimeUnit.MILLISECONDS),
                afterCommit.max(TimeUnit.MILLISECONDS), kafkaPercentiles,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
