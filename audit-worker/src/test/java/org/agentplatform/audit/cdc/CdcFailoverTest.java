package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two workers: one leads, one stands by. The leader dies mid-stream without a clean shutdown (its database
 * sessions are killed: leader lock, replication stream, offset store) while a writer keeps committing; the
 * standby takes over from the stored offsets, and the audit log ends up with every change exactly once.
 */
class CdcFailoverTest extends AuditWorkerIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(CdcFailoverTest.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final AtomicBoolean writing = new AtomicBoolean(true);
    private Thread writer;

    @AfterEach
    void stopWriting() throws InterruptedException {
        writing.set(false);
        if (writer != null) {
            writer.join(30_000);
        }
    }

    @Test
    void aStandbyTakesOverWhenTheLeaderDiesMidStreamAndEveryChangeIsLoggedExactlyOnce() throws Exception {
        ConfigurableApplicationContext a = startRunning("--platform.audit.instance-id=a");
        long seed = auditedRows();
        ConfigurableApplicationContext b = start("--platform.audit.instance-id=b");
        CdcEngine engineA = a.getBean(CdcEngine.class);
        CdcEngine engineB = b.getBean(CdcEngine.class);
        Leadership leadershipA = a.getBean(Leadership.class);
        Leadership leadershipB = b.getBean(Leadership.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> engineB.state() == CdcEngine.State.STANDBY);
        assertThat(leadershipA.leads()).isTrue();
        // who leads is visible by name: in pg_stat_activity, and in both instances' health
        assertThat(lockSessions()).contains(LeaderLock.leaderApplicationName("a"), LeaderLock.standbyApplicationName("b"))
                .doesNotContain(LeaderLock.leaderApplicationName("b"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(cdcHealth(b)).containsEntry("instance", "b").containsEntry("role", "standby").containsEntry("leader", "a");
            assertThat(cdcHealth(a)).containsEntry("instance", "a").containsEntry("role", "leader").containsEntry("leader", "a");
        });
        // both ready: the leader's engine runs, the standby waits, and each audit-log consumer joined its group
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(readiness(a)).isEqualTo("UP");
            assertThat(readiness(b)).isEqualTo("UP");
        });

        DataSource db = superuser();
        List<Ledger.Written> written = Collections.synchronizedList(new ArrayList<>());
        writer = new Thread(() -> {
            Ledger ledger = new Ledger(db);
            int i = 0;
            while (writing.get()) {
                try {
                    written.add(ledger.registerAndGrant("w-" + i++, 1));
                } catch (Exception e) {
                    log.warn("writer: {}", e.getMessage());
                }
            }
        }, "failover-writer");
        writer.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> logCount() >= 200);

        // the leader's process "dies": it stops competing, and all its sessions are killed at once
        long killedAt = System.nanoTime();
        int writtenAtKill = written.size();
        engineA.halt();
        List<Integer> killed = JdbcClient.create(TestServers.postgres().adminDataSource()).sql("""
                        select pid, pg_terminate_backend(pid) from pg_stat_activity
                        where datname = ? and (application_name in (?, ?)
                              or pid = (select active_pid from pg_replication_slots where slot_name = ?))""")
                .params(env.databaseName(), LeaderLock.leaderApplicationName("a"), EngineProperties.offsetApplicationName("a"),
                        engineA.slotName())
                .query((rs, n) -> rs.getInt(1)).list();
        assertThat(killed).hasSizeGreaterThanOrEqualTo(2); // leader lock and replication, offsets if connected

        await().atMost(Duration.ofSeconds(30)).until(() -> engineB.state() == CdcEngine.State.RUNNING && leadershipB.leads());
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(lockSessions()).contains(LeaderLock.leaderApplicationName("b"));
        assertThat(cdcHealth(b)).containsEntry("role", "leader").containsEntry("leader", "b");
        await().atMost(Duration.ofSeconds(60)).until(() -> written.size() >= writtenAtKill + 100);
        writing.set(false);
        writer.join(30_000);

        // every committed change is logged exactly once: the snapshot of the seeded rows plus 5 per transaction
        int transactions = written.size();
        await().atMost(Duration.ofSeconds(90)).until(() -> logCount() >= seed + 5L * transactions);
        JdbcClient sql = JdbcClient.create(db);
        Map<Long, Long> perTx = sql.sql("""
                        select (change::jsonb ->> 'txId')::bigint, count(*) from audit_log
                        where operation <> 'SNAPSHOT' group by 1""")
                .query((rs, n) -> Map.entry(rs.getLong(1), rs.getLong(2))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(perTx).hasSize(transactions);
        for (Ledger.Written w : written) {
            assertThat(perTx.get(w.txId())).as("log entries of tx %d", w.txId()).isEqualTo(5L);
        }
        assertThat(sql.sql("select count(*) from audit_log where operation = 'SNAPSHOT'").query(Long.class).single())
                .isEqualTo(seed);
        assertThat(logCount()).isEqualTo(seed + 5L * transactions);
        assertThat(sql.sql("select count(distinct change_id) from audit_log").query(Long.class).single())
                .isEqualTo(logCount());
        Verification verification = verify(b);
        assertThat(verification.ok()).as(verification.report().toString()).isTrue();

        double duplicates = Stream.of(a, b).mapToDouble(c -> c.getBean(MeterRegistry.class)
                .get("audit.log.duplicates").counter().count()).sum();
        log.info("FAILOVER takeover in {} ms; {} transactions ({} before the kill), {} changes logged, {} replayed duplicates dropped",
                takeover.toMillis(), transactions, writtenAtKill, logCount(), (long) duplicates);
        assertThat(takeover).isLessThan(Duration.ofSeconds(15));
    }

    private List<String> lockSessions() {
        return JdbcClient.create(TestServers.postgres().adminDataSource()).sql("""
                        select application_name from pg_stat_activity
                        where datname = ? and (application_name like 'audit-leader-%' or application_name like 'audit-standby-%')""")
                .param(env.databaseName()).query(String.class).list();
    }

    private static Map<String, Object> cdcHealth(ConfigurableApplicationContext context) throws Exception {
        JsonNode cdc = JSON.readTree(get(context, "/actuator/health")).path("components").path("cdc").path("details");
        Map<String, Object> details = new java.util.HashMap<>();
        cdc.properties().forEach(e -> details.put(e.getKey(), e.getValue().isString() ? e.getValue().asString() : e.getValue()));
        return details;
    }

    private static String readiness(ConfigurableApplicationContext context) throws Exception {
        return JSON.readTree(get(context, "/actuator/health/readiness")).path("status").asString();
    }
}
