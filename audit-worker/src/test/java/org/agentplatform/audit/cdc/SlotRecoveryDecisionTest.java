package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import org.agentplatform.audit.log.TestLogEntries;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.schema.audit.AuditChange;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/** How the leader starts the engine, decided from the stored offsets, the slot and the audit log (real PostgreSQL). */
class SlotRecoveryDecisionTest extends AuditWorkerIntegrationTest {

    private static final String KEY = "[\"audit-worker\",{\"server\":\"audit\"}]";
    // as Debezium 3.6 stores them: mid-snapshot, its last record, and streaming
    private static final String IN_SNAPSHOT = "{\"last_snapshot_record\":false,\"lsn\":27606504,\"txId\":750,"
            + "\"ts_usec\":1796176076298208,\"snapshot\":\"INITIAL\",\"snapshot_completed\":false}";
    private static final String LAST_SNAPSHOT_RECORD = "{\"last_snapshot_record\":true,\"lsn\":27606504,\"txId\":750,"
            + "\"ts_usec\":1796176076298208,\"snapshot\":\"INITIAL\",\"snapshot_completed\":false}";
    private static final String STREAMING = "{\"lsn_proc\":27608000,\"messageType\":\"UPDATE\",\"lsn_commit\":27607000,"
            + "\"lsn\":27608000,\"txId\":760,\"ts_usec\":1796176076398208}";

    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void aSnapshotThatDidNotCompleteIsTakenAgainFromTheSlot() throws Exception {
        Database db = new Database();
        db.createSlot();
        assertThat(db.recovery().recoverIfNeeded()).as("slot without offsets").isEqualTo(SlotRecovery.Start.SNAPSHOT_FROM_SLOT);

        db.storeOffset(IN_SNAPSHOT);
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.SNAPSHOT_FROM_SLOT);
        assertThat(db.offsets()).as("the unfinished offset is discarded").isZero();
        assertThat(db.gaps()).isZero();
    }

    @Test
    void aCompletedSnapshotOrAStreamingPositionResumesAsConfigured() throws Exception {
        Database db = new Database();
        db.createSlot();
        db.storeOffset(LAST_SNAPSHOT_RECORD);
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        db.storeOffset(STREAMING);
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        assertThat(db.offsets()).isOne();
        // another snapshot mode than initial: left to Debezium
        db.storeOffset(IN_SNAPSHOT);
        assertThat(new SlotRecovery(db.dataSource, db.slot, "cdc_offsets", clock, false).recoverIfNeeded())
                .isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        assertThat(db.offsets()).isOne();
    }

    @Test
    void aFirstStartIsNoGapButAMissingSlotBehindLoggedEntriesIs() throws Exception {
        Database db = new Database();
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        assertThat(db.gaps()).isZero();

        // entries were logged, then slot and offsets vanished (a snapshot interrupted, then its slot dropped)
        db.createSlot();
        db.storeOffset(IN_SNAPSHOT);
        db.appendSnapshotEntry();
        db.dropSlot();
        db.jdbc.sql("delete from cdc_offsets").update();
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        assertThat(db.gaps()).isOne();
        assertThat(db.jdbc.sql("select change from audit_log where operation = 'GAP'").query(String.class).single())
                .contains("no offsets are stored, although the audit log has entries").contains("\"lostAfter\":null");
        // the next start finds the GAP newest: nothing more to mark
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        assertThat(db.gaps()).isOne();
    }

    @Test
    void aSnapshotInterruptedOnASlotThatWasThenLostIsAGap() throws Exception {
        Database db = new Database();
        db.createSlot();
        db.storeOffset(IN_SNAPSHOT);
        db.appendSnapshotEntry();
        db.dropSlot();
        assertThat(db.recovery().recoverIfNeeded()).isEqualTo(SlotRecovery.Start.AS_CONFIGURED);
        assertThat(db.gaps()).isOne();
        assertThat(db.offsets()).isZero();
    }

    @Test
    void recognisesDebeziumsUnfinishedSnapshotOffsets() {
        assertThat(SlotRecovery.isUnfinishedSnapshot(IN_SNAPSHOT)).isTrue();
        assertThat(SlotRecovery.isUnfinishedSnapshot("{\"snapshot\":true,\"lsn\":1}")).isTrue(); // older format
        assertThat(SlotRecovery.isUnfinishedSnapshot(LAST_SNAPSHOT_RECORD)).isFalse();
        assertThat(SlotRecovery.isUnfinishedSnapshot(IN_SNAPSHOT.replace("\"snapshot_completed\":false",
                "\"snapshot_completed\":true"))).isFalse();
        assertThat(SlotRecovery.isUnfinishedSnapshot(STREAMING)).isFalse();
        assertThat(SlotRecovery.isUnfinishedSnapshot("not json")).isFalse();
    }

    /** The test's database, migrated, with a slot name of its own. */
    private final class Database {
        final DataSource dataSource = superuser();
        final JdbcClient jdbc = JdbcClient.create(dataSource);
        final String slot = "recovery_" + env.databaseName();

        Database() {
            migrate();
        }

        SlotRecovery recovery() {
            return new SlotRecovery(dataSource, slot, "cdc_offsets", clock, true);
        }

        void createSlot() {
            jdbc.sql("select pg_create_logical_replication_slot(?, 'pgoutput')").param(slot).query().singleRow();
        }

        void dropSlot() {
            jdbc.sql("select pg_drop_replication_slot(?)").param(slot).query().singleRow();
        }

        void storeOffset(String value) {
            jdbc.sql("""
                    insert into cdc_offsets (offset_key, offset_value, updated_at) values (?, ?, now())
                    on conflict (offset_key) do update set offset_value = excluded.offset_value""")
                    .params(KEY, value).update();
        }

        long offsets() {
            return jdbc.sql("select count(*) from cdc_offsets").query(Long.class).single();
        }

        long gaps() {
            return jdbc.sql("select count(*) from audit_log where operation = 'GAP'").query(Long.class).single();
        }

        void appendSnapshotEntry() throws Exception {
            var key = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("id", "a1");
            AuditChange change = AuditChange.of("public", "agents", AuditChange.Operation.SNAPSHOT, key, null, key,
                    750, 27606504, null, clock.instant());
            try (var c = dataSource.getConnection()) {
                c.setAutoCommit(false);
                TestLogEntries.append(c, change, clock.instant());
                c.commit();
            }
        }
    }
}
