package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.TestServers;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.SendResult;

/**
 * A worker dies in the middle of its initial snapshot, after part of it reached the audit log, while rows
 * (logged ones and not yet logged ones) keep changing. The next worker snapshots again from the same slot:
 * no row is logged twice as SNAPSHOT, every change committed after the first snapshot's position is logged
 * once, and the log verifies; the slot kept every change, so there is nothing to mark as a GAP. If the slot is
 * lost as well, the log says so with a GAP and the snapshot after it.
 */
class CdcSnapshotCrashTest extends AuditWorkerIntegrationTest {

    private static final int BULK_AGENTS = 3000;

    @Test
    void aSnapshotInterruptedByACrashIsRedoneWithoutDuplicatesAndWithoutLosingTheChangesInBetween() throws Exception {
        Crash crash = crashMidSnapshot(false);
        JdbcClient sql = crash.sql;

        assertThat(sql.sql("""
                        select table_name || ' ' || primary_key::text from audit_log where operation = 'SNAPSHOT'
                        group by table_name, primary_key having count(*) > 1""").query(String.class).list())
                .as("rows logged more than once as SNAPSHOT").isEmpty();
        for (Ledger.Written w : crash.written) {
            assertThat(changesOfTx(sql, w)).as("entries of tx %d", w.txId()).isEqualTo(5L);
        }
        // the changes of rows logged before the crash are in the log as changes, not hidden in a second snapshot
        assertThat(operationsOf(sql, crash.logged)).containsEntry("UPDATE", 20L).containsEntry("DELETE", 10L);
        assertThat(gaps(sql)).as("the slot kept every change: nothing to mark").isZero();
        assertThat(crash.verification.report().get("explainedByGap").isEmpty()).isTrue();
        assertThat(sql.sql("select count(distinct change_id) = count(*) from audit_log").query(Boolean.class).single())
                .isTrue();
    }

    @Test
    void aSnapshotInterruptedByACrashWhoseSlotIsThenLostIsMarkedAsAGapAndTakenAgain() throws Exception {
        Crash crash = crashMidSnapshot(true);
        JdbcClient sql = crash.sql;

        assertThat(gaps(sql)).isOne();
        long gapSeq = sql.sql("select seq from audit_log where operation = 'GAP'").query(Long.class).single();
        assertThat(sql.sql("""
                        select table_name || ' ' || primary_key::text from audit_log where operation = 'SNAPSHOT' and seq > ?
                        group by table_name, primary_key having count(*) > 1""").param(gapSeq).query(String.class).list())
                .as("rows logged more than once as SNAPSHOT after the GAP").isEmpty();
        // what changed while the slot was gone is not in the log as changes; the snapshot after the GAP has the rows
        for (Ledger.Written w : crash.written.subList(0, crash.written.size() - 1)) {
            assertThat(changesOfTx(sql, w)).as("entries of tx %d", w.txId()).isZero();
        }
        assertThat(changesOfTx(sql, crash.written.get(crash.written.size() - 1))).isEqualTo(5L);
        // rows logged before the crash and deleted in the gap: the log cannot prove their deletion, and says why
        assertThat(crash.verification.report().get("explainedByGap").valueStream()
                .map(p -> p.get("primaryKey").asString()).toList()).hasSize(10);
    }

    /** What {@link #crashMidSnapshot} left behind, once the second worker's log verified. */
    private record Crash(JdbcClient sql, List<String> logged, List<Ledger.Written> written,
                         Verification verification) {
    }

    /**
     * Worker a hangs after part of its first snapshot reached the log; rows change (logged ones, not yet logged ones,
     * and ledger transactions); a dies without a clean stop; with {@code loseSlot} its slot is dropped while no worker
     * runs; worker b starts, and the log verifies. The last of {@code written} was committed after b started.
     */
    private Crash crashMidSnapshot(boolean loseSlot) throws Exception {
        DataSource db = superuser();
        JdbcClient sql = JdbcClient.create(db);
        JdbcClient admin = JdbcClient.create(TestServers.postgres().adminDataSource());
        Ledger ledger = new Ledger(db);
        // applies the migrations (and their seeded rows) without capturing anything
        start("--platform.audit.enabled=false", "--platform.audit.log.enabled=false").close();
        sql.sql("""
                insert into agents (id, name, status, metadata, created_at, updated_at)
                select gen_random_uuid(), 'bulk-' || i, 'ACTIVE', jsonb_build_object('i', i), now(), now()
                from generate_series(1, ?) i""").param(BULK_AGENTS).update();

        // small engine batches and queue, so that the snapshot reader itself is stuck mid-table when the worker hangs
        ConfigurableApplicationContext a = start(List.of(HangAfterSends.class),
                "--platform.audit.instance-id=a", "--test.hang-after-sends=700",
                "--platform.audit.debezium.max.batch.size=100", "--platform.audit.debezium.max.queue.size=400");
        String slot = a.getBean(CdcEngine.class).slotName();
        HangAfterSends hang = a.getBean(HangAfterSends.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> hang.hung.getCount() == 0 && snapshotEntries(sql) >= 200);
        assertThat(snapshotEntries(sql)).isLessThan(BULK_AGENTS);

        // committed after the snapshot's position, while the worker hangs: logged rows and rows not logged yet change
        List<String> logged = sql.sql("""
                        select primary_key ->> 'id' from audit_log
                        where table_name = 'agents' and operation = 'SNAPSHOT' order by seq limit 30""")
                .query(String.class).list();
        sql.sql("update agents set name = name || '-renamed', updated_at = now() where id::text in (:ids)")
                .param("ids", logged.subList(0, 20)).update();
        sql.sql("delete from agents where id::text in (:ids)").param("ids", logged.subList(20, 30)).update();
        int notLoggedChanged = sql.sql("""
                update agents set status = 'SUSPENDED', updated_at = now()
                where id in (select a.id from agents a where a.name like 'bulk-%' and not exists (
                    select 1 from audit_log l where l.table_name = 'agents' and l.primary_key ->> 'id' = a.id::text)
                    order by a.name desc limit 10)""").update();
        assertThat(notLoggedChanged).isEqualTo(10);
        List<Ledger.Written> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            written.add(ledger.registerAndGrant("during-snapshot-" + i, 1 + i));
        }

        // the worker dies: no clean stop, every session it had is gone at once
        a.getBean(CdcEngine.class).halt();
        admin.sql("select pg_terminate_backend(pid) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()")
                .param(env.databaseName()).query().listOfRows();
        hang.release.countDown();
        a.close();
        written.add(ledger.registerAndGrant("while-down", 9)); // no worker at all
        if (loseSlot) {
            admin.sql("select pg_drop_replication_slot(?)").param(slot).query().singleRow();
        }

        ConfigurableApplicationContext b = startRunning("--platform.audit.instance-id=b");
        Ledger.Written after = ledger.registerAndGrant("after-restart", 10);
        written.add(after);
        await().atMost(Duration.ofSeconds(120)).until(() -> logCountOfTx(after.txId()) == 5);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            Verification verification = verify(b);
            assertThat(verification.ok()).as(verification.report().toString()).isTrue();
        });
        return new Crash(sql, logged, written, verify(b));
    }

    private static long changesOfTx(JdbcClient sql, Ledger.Written w) {
        return sql.sql("""
                select count(*) from audit_log where operation <> 'SNAPSHOT' and (change::jsonb ->> 'txId')::bigint = ?""")
                .param(w.txId()).query(Long.class).single();
    }

    private static Map<String, Long> operationsOf(JdbcClient sql, List<String> agentIds) {
        return sql.sql("""
                        select operation, count(*) from audit_log
                        where table_name = 'agents' and primary_key ->> 'id' in (:ids) and operation <> 'SNAPSHOT'
                        group by operation""").param("ids", agentIds)
                .query((rs, n) -> Map.entry(rs.getString(1), rs.getLong(2))).list().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    private static long gaps(JdbcClient sql) {
        return sql.sql("select count(*) from audit_log where operation = 'GAP'").query(Long.class).single();
    }

    private static long snapshotEntries(JdbcClient sql) {
        return sql.sql("select count(*) from audit_log where operation = 'SNAPSHOT'").query(Long.class).single();
    }

    /**
     * The worker's sends go through until {@code test.hang-after-sends}; the next one hangs, as in a process that
     * froze mid-snapshot, until the test releases it (then it fails).
     */
    @Configuration(proxyBeanMethods = false)
    static class HangAfterSends {

        final CountDownLatch hung = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Bean
        @Primary
        KafkaTemplate<String, byte[]> hangingTemplate(ProducerFactory<String, byte[]> producers, Environment env) {
            int limit = env.getRequiredProperty("test.hang-after-sends", Integer.class);
            AtomicInteger sends = new AtomicInteger();
            return new KafkaTemplate<>(producers) {
                @Override
                public CompletableFuture<SendResult<String, byte[]>> send(ProducerRecord<String, byte[]> record) {
                    if (sends.incrementAndGet() > limit) {
                        hung.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return CompletableFuture.failedFuture(new TimeoutException("the worker hung"));
                    }
                    return super.send(record);
                }
            };
        }
    }
}
