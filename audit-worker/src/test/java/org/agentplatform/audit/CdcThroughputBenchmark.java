package org.agentplatform.audit;

import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Rough figures for the pipeline on this machine: commit-to-acknowledgement latency of small transactions,
 * and throughput of a backlog of audited inserts. Run with {@code -Daudit.bench=true}.
 */
@EnabledIfSystemProperty(named = "audit.bench", matches = "true")
@SpringBootTest(classes = AuditWorkerApplication.class, properties = "spring.config.name=audit-worker")
@DirtiesContext
class CdcThroughputBenchmark {

    private static final Logger log = LoggerFactory.getLogger(CdcThroughputBenchmark.class);
    static final TestEnvironment env = TestServers.newEnvironment();

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @Autowired
    CdcEngine engine;
    @Autowired
    DataSource dataSource;
    @Autowired
    MeterRegistry meters;

    @Test
    void measure() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == CdcEngine.State.RUNNING);
        Ledger ledger = new Ledger(dataSource);

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

        // throughput: 100,000 audited inserts committed in transactions of 1,000 rows, then drained
        int rows = 100_000;
        double start = published();
        long t0 = System.nanoTime();
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("""
                     insert into agents (id, name, status, metadata, created_at, updated_at)
                     select gen_random_uuid(), 'bulk-' || g, 'ACTIVE', '{}'::jsonb, now(), now()
                     from generate_series(1, 1000) g""")) {
            for (int i = 0; i < rows / 1000; i++) {
                insert.executeUpdate();
            }
        }
        long committed = System.nanoTime();
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofMinutes(5)).until(() -> published() >= start + rows);
        long drained = System.nanoTime();
        log.info("BENCH throughput: {} row changes committed in {} ms, all published after {} ms: {} changes/s end to end",
                rows, TimeUnit.NANOSECONDS.toMillis(committed - t0), TimeUnit.NANOSECONDS.toMillis(drained - t0),
                (long) (rows / ((drained - t0) / 1e9)));
    }

    private double published() {
        return meters.get("audit.cdc.published").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
