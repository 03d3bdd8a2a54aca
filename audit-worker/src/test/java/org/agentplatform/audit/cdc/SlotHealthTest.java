package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * An idle platform database on a server where another database writes a lot: with the heartbeat action
 * query the slot keeps confirming newer positions, so the WAL it retains stays bounded.
 */
class SlotHealthTest extends AuditWorkerIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(SlotHealthTest.class);
    private static final long MB = 1024 * 1024;

    @Test
    void withTheHeartbeatAnIdleDatabaseKeepsItsRetainedWalBounded() {
        TestEnvironment busy = TestServers.newEnvironment();
        ConfigurableApplicationContext context = startRunning("--platform.audit.heartbeat-interval=500ms",
                "--platform.audit.offset-flush-interval=200ms");
        CdcEngine engine = context.getBean(CdcEngine.class);
        JdbcClient admin = JdbcClient.create(TestServers.postgres().adminDataSource());
        JdbcClient other = JdbcClient.create(TestServers.postgres().dataSource(busy.databaseName()));
        long before = retained(admin, engine.slotName());

        // another database writes about 96 MB of WAL; ours stays idle
        long start = lsn(admin);
        other.sql("create table junk (id int, filler text)").update();
        for (int i = 0; i < 24; i++) {
            other.sql("insert into junk select g, repeat(md5(g::text), 32) from generate_series(1, 3500) g").update();
        }
        long generated = lsn(admin) - start;
        long peak = retained(admin, engine.slotName());

        // PostgreSQL moves restart_lsn at the next running-xacts record after a confirmed position (the
        // background writer logs one at least every 15 s), so allow for that
        long bound = 16 * MB;
        long after = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> retained(admin, engine.slotName()), r -> r < bound);
        log.info("SLOT retained WAL: before {} KB, right after {} MB of foreign WAL {} KB, settled {} KB",
                before / 1024, generated / MB, peak / 1024, after / 1024);
        assertThat(generated).isGreaterThan(64 * MB);

        // exposed as gauges and in the health endpoint, with the engine lag
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        assertThat(meters.get("audit.cdc.retained_wal_bytes").gauge().value()).isLessThan(generated);
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.get("audit.cdc.engine_lag").timeGauge()
                .value(java.util.concurrent.TimeUnit.MILLISECONDS), lag -> lag >= 0 && lag < 5_000);
        Health health = context.getBean(CdcHealthIndicator.class).health();
        assertThat(health.getDetails()).containsKeys("retained_wal_bytes", "engine_lag_ms", "last_commit_time")
                .containsEntry("role", "leader");
    }

    /** The control: without the action query the idle slot keeps all of the foreign WAL. */
    @Test
    void withoutTheHeartbeatActionQueryTheIdleSlotRetainsTheForeignWal() {
        TestEnvironment busy = TestServers.newEnvironment();
        ConfigurableApplicationContext context = startRunning("--platform.audit.heartbeat-interval=500ms",
                "--platform.audit.offset-flush-interval=200ms", "--platform.audit.heartbeat-table=");
        CdcEngine engine = context.getBean(CdcEngine.class);
        JdbcClient admin = JdbcClient.create(TestServers.postgres().adminDataSource());
        JdbcClient other = JdbcClient.create(TestServers.postgres().dataSource(busy.databaseName()));
        long start = lsn(admin);
        other.sql("create table junk (id int, filler text)").update();
        for (int i = 0; i < 8; i++) {
            other.sql("insert into junk select g, repeat(md5(g::text), 32) from generate_series(1, 3500) g").update();
        }
        long generated = lsn(admin) - start;
        // longer than a running-xacts interval (15 s): the slot still holds everything written since
        await().during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofSeconds(1))
                .until(() -> retained(admin, engine.slotName()) >= generated);
        log.info("SLOT without action query: {} MB of foreign WAL, retained {} KB", generated / MB,
                retained(admin, engine.slotName()) / 1024);
    }

    private static long retained(JdbcClient admin, String slot) {
        return admin.sql("select pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint from pg_replication_slots where slot_name = ?")
                .param(slot).query(Long.class).single();
    }

    private static long lsn(JdbcClient admin) {
        return admin.sql("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint").query(Long.class).single();
    }
}
