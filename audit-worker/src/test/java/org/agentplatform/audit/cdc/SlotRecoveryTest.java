package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.TestServers;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The slot is gone while offsets are stored (as after an invalidation): the worker records a GAP in the audit
 * log, snapshots again, and the log verifies against the live rows.
 */
class SlotRecoveryTest extends AuditWorkerIntegrationTest {

    @Test
    void aLostSlotIsMarkedAsAGapAndTheAuditedTablesAreSnapshottedAgain() throws Exception {
        DataSource db = superuser();
        Ledger ledger = new Ledger(db);
        ConfigurableApplicationContext context = startRunning();
        String slot = context.getBean(CdcEngine.class).slotName();
        long seed = auditedRows();
        Ledger.Written before = ledger.registerAndGrant("before", 10);
        await().atMost(Duration.ofSeconds(60)).until(() -> logCount() == seed + 5);
        context.close();

        JdbcClient.create(TestServers.postgres().adminDataSource()).sql("select pg_drop_replication_slot(?)").param(slot)
                .query().singleRow();
        Ledger.Written lost = ledger.registerAndGrant("lost", 20); // no slot: these changes are gone
        // transfers are append-only (a trigger refuses the delete); a superuser bypassing triggers is what the
        // audit log's re-snapshot must still account for
        JdbcClient.create(db).sql("""
                set session_replication_role = replica;
                delete from transfers where id = ?;
                set session_replication_role = origin""").param(before.transferId()).update();

        context = startRunning();
        Ledger.Written after = ledger.registerAndGrant("after", 30);
        // the gap, a snapshot of the live rows (seed + 5 of the two transactions, one transfer deleted), then the new
        // transaction
        await().atMost(Duration.ofSeconds(60)).until(() -> logCountOfTx(after.txId()) == 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> logCount() == (seed + 5) + 1 + (seed + 5) + 5);

        JdbcClient sql = JdbcClient.create(db);
        Map<String, Object> gap = sql.sql("select seq, change from audit_log where operation = 'GAP'").query().singleRow();
        long gapSeq = ((Number) gap.get("seq")).longValue();
        assertThat(gapSeq).isEqualTo(seed + 5 + 1);
        assertThat((String) gap.get("change")).contains("\"lostAfter\":[{").contains("is missing although offsets are stored");
        List<Long> resnapshot = sql.sql("select seq from audit_log where operation = 'SNAPSHOT' and seq > ?")
                .param(gapSeq).query(Long.class).list();
        assertThat(resnapshot).hasSize((int) seed + 5);
        assertThat(logCountOfTx(before.txId())).isEqualTo(5);
        assertThat(logCountOfTx(lost.txId())).isZero();

        Verification verification = verify(context);
        assertThat(verification.ok()).as(verification.report().toString()).isTrue();
        // the row deleted inside the gap: its deletion cannot be proven, and the GAP says why
        assertThat(verification.report().get("explainedByGap").valueStream()
                .map(p -> p.get("table").asString() + " " + p.get("primaryKey").asString()).toList())
                .containsExactly("public.transfers {\"id\": \"" + before.transferId() + "\"}");
    }
}
