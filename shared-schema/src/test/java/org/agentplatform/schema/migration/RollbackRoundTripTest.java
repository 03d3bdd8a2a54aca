package org.agentplatform.schema.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/**
 * Migrate an empty database to the newest version, undo down to V1 one version at a time, migrate again: with rows
 * in every table throughout, and the schema after each undo exactly the schema of that version.
 */
class RollbackRoundTripTest {

    static final int LATEST = 14;

    /** The tables each migration creates. */
    static final Map<Integer, List<String>> TABLES_CREATED = Map.ofEntries(
            Map.entry(1, List.of("agents", "accounts", "transfers", "processed_commands", "consumer_offsets", "outbox")),
            Map.entry(2, List.of("cdc_offsets")),
            Map.entry(3, List.of("claims", "claim_votes", "claim_status_history")),
            Map.entry(4, List.of("audit_log", "audit_chain_head", "cdc_heartbeat")),
            Map.entry(5, List.of("jobs", "job_attempts", "job_history", "job_saga_commands")),
            Map.entry(6, List.of("api_keys", "idempotency_keys")),
            Map.entry(7, List.of("command_issuers")),
            Map.entry(8, List.of()),
            Map.entry(9, List.of("parked_resolutions")),
            Map.entry(10, List.of()),
            Map.entry(11, List.of("dead_letter_replays")),
            Map.entry(12, List.of()),
            Map.entry(13, List.of("reputation_inputs", "reputations")),
            Map.entry(14, List.of("reputation_due")));

    static final String TREASURY = "00000000-0000-0000-0000-000000000001";
    static final String ESCROW = "00000000-0000-0000-0000-00000000e5c0";
    static final String AT = "'2024-05-01 10:00:00+00'";
    static final String PARKED_COMMAND = "c0000000-0000-0000-0000-000000000002";
    static final String DEAD_LETTERED_COMMAND = "c0000000-0000-0000-0000-000000000007";
    static final String UNDO_V9_DETAIL =
            "no pending transfer: parked while it waited for its reservation, and rejected by the undo of V9";

    static Set<String> tablesAt(int version) {
        return IntStream.rangeClosed(1, version).boxed().flatMap(v -> TABLES_CREATED.get(v).stream())
                .collect(Collectors.toSet());
    }

    @Test
    void migrateUndoStepByStepToV1AndMigrateAgainKeepsTheRows() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));
        assertThat(db.tables()).containsExactlyInAnyOrderElementsOf(tablesAt(LATEST));
        Map<String, Integer> checksums = db.checksums();

        insertRowsIntoEveryTable(db);
        for (String table : db.tables()) {
            assertThat(db.contents(table)).as("rows in " + table).isNotEmpty();
        }
        // what each table must hold: its rows, restricted to the columns it still has
        Map<String, List<Map<String, String>>> expected = new TreeMap<>();
        for (String table : db.tables()) {
            expected.put(table, db.contents(table));
        }

        Rollback rollback = db.rollback();
        for (int version = LATEST - 1; version >= 1; version--) {
            List<Rollback.Step> undone = rollback.undoTo(String.valueOf(version));
            assertThat(undone).extracting(step -> step.version().getVersion()).containsExactly(String.valueOf(version + 1));

            assertThat(db.appliedVersions()).as("flyway_schema_history after the undo to V" + version)
                    .isEqualTo(versions(version));
            assertThat(db.flyway().load().info().current().getVersion().getVersion()).isEqualTo(String.valueOf(version));
            assertThat(db.tables()).as("tables at V" + version).containsExactlyInAnyOrderElementsOf(tablesAt(version));

            expected.keySet().retainAll(db.tables());
            if (version == 11) {
                // the documented loss of U12: the rows of resolved escrow resolution commands
                expected.put("job_saga_commands", expected.get("job_saga_commands").stream()
                        .filter(row -> !row.get("step").startsWith("RESOLVE_")).toList());
            }
            if (version == 10) {
                // the documented loss of U11: dead-lettered commands end rejected, with their reason; the rows of
                // unreadable ones go
                expected.put("processed_commands", expected.get("processed_commands").stream()
                        .filter(row -> !row.get("fingerprint").startsWith("unreadable:")).map(row -> {
                    if (!"DEAD_LETTERED".equals(row.get("outcome"))) {
                        return row;
                    }
                    Map<String, String> rejected = new TreeMap<>(row);
                    rejected.put("outcome", "REJECTED");
                    return rejected;
                }).toList());
            }
            if (version == 8) {
                // the documented loss of U9: parked commands end rejected
                expected.put("processed_commands", expected.get("processed_commands").stream().map(row -> {
                    if (!"DEFERRED".equals(row.get("outcome"))) {
                        return row;
                    }
                    Map<String, String> rejected = new TreeMap<>(row);
                    rejected.put("outcome", "REJECTED");
                    rejected.put("reason", "PENDING_NOT_FOUND");
                    rejected.put("detail", UNDO_V9_DETAIL);
                    return rejected;
                }).toList());
            }
            if (version == 4) {
                // U5 deletes the job-escrow account V5 inserted (it held nothing)
                expected.put("accounts", expected.get("accounts").stream().filter(row -> !ESCROW.equals(row.get("id")))
                        .toList());
            }
            for (String table : db.tables()) {
                List<String> columns = db.columns(table);
                assertThat(expected.get(table).get(0).keySet()).as("columns of " + table + " at V" + version)
                        .containsAll(columns);
                List<Map<String, String>> restricted = expected.get(table).stream().map(row -> only(row, columns))
                        .sorted((a, b) -> a.toString().compareTo(b.toString())).toList();
                assertThat(db.contents(table)).as("rows of " + table + " at V" + version).isEqualTo(restricted);
                expected.put(table, restricted);
            }

            // the release of this version writes on: its rows must survive the next undos and the migration up
            insertRowsOfVersion(db, version);
            for (String table : List.of("agents", "accounts", "transfers", "processed_commands")) {
                expected.put(table, db.contents(table));
            }
        }

        db.migrate();
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));
        assertThat(db.checksums()).as("the checksums of the first migration").isEqualTo(checksums);
        assertThat(db.flyway().load().validateWithResult().validationSuccessful).isTrue();
        assertThat(db.tables()).containsExactlyInAnyOrderElementsOf(tablesAt(LATEST));

        // every row of the tables that stayed is still there, with the columns it had at V1
        for (String table : TABLES_CREATED.get(1)) {
            List<String> v1Columns = new ArrayList<>(expected.get(table).get(0).keySet());
            List<Map<String, String>> now = db.contents(table).stream()
                    .filter(row -> !ESCROW.equals(row.get("id"))) // V5 inserts it again, created now
                    .map(row -> only(row, v1Columns)).sorted((a, b) -> a.toString().compareTo(b.toString())).toList();
            assertThat(now).as("rows of " + table + " after migrating again").isEqualTo(expected.get(table));
        }
        assertThat(db.single("select count(*) from accounts where id = '" + ESCROW + "'")).isEqualTo("1");
        // the columns added again are empty for the old rows: V3 and V7 had nothing to backfill (no open reservation)
        assertThat(db.single("select count(*) from transfers where pending_id is not null or expires_at is not null"
                + " or controller is not null")).isEqualTo("0");
        assertThat(db.single("select count(*) from processed_commands where actor is not null")).isEqualTo("0");
        // U10's documented loss: the memos
        assertThat(db.single("select count(*) from transfers where memo is not null")).isEqualTo("0");
        assertThat(db.single("select count(*) from processed_commands where outcome = 'REJECTED'"
                + " and reason = 'PENDING_NOT_FOUND' and command_id = '" + PARKED_COMMAND + "'")).isEqualTo("1");
        assertThat(db.single("select outcome || ' ' || reason from processed_commands where command_id = '"
                + DEAD_LETTERED_COMMAND + "'")).isEqualTo("REJECTED COMMAND_FAILED");
        assertThat(db.single("select count(*) from processed_commands where fingerprint like 'unreadable:%'"))
                .isEqualTo("0");
        // the tables dropped and created again start empty (the losses the README lists), but for V4's seed row
        for (String table : tablesAt(LATEST)) {
            if (!TABLES_CREATED.get(1).contains(table)) {
                assertThat(db.single("select count(*) from " + table)).as(table)
                        .isEqualTo(table.equals("audit_chain_head") ? "1" : "0");
            }
        }
        // and the schema works as before: the append-only triggers are back
        assertThat(db.single("select count(*) from pg_trigger where tgname = 'transfers_immutable'")).isEqualTo("1");
    }

    @Test
    void eachUndoRestoresExactlyTheSchemaOfTheVersionBelow() {
        TestDatabase db = TestDatabase.create();
        Map<Integer, List<String>> schemaAt = new LinkedHashMap<>();
        db.migrateTo(1);
        schemaAt.put(1, db.fingerprint());
        for (int version = 2; version <= LATEST; version++) {
            db.migrateTo(version);
            schemaAt.put(version, db.fingerprint());
            assertThat(schemaAt.get(version)).as("V" + version + " changes the schema").isNotEqualTo(schemaAt.get(version - 1));
        }
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));

        Rollback rollback = db.rollback();
        for (int version = LATEST - 1; version >= 1; version--) {
            rollback.undoTo(String.valueOf(version));
            assertThat(db.fingerprint()).as("the schema after undoing V" + (version + 1))
                    .containsExactlyElementsOf(schemaAt.get(version));
        }
        // and V1's undo leaves no table, function or sequence of ours
        rollback.undoTo("0");
        assertThat(db.appliedVersions()).isEmpty();
        assertThat(db.tables()).isEmpty();
        assertThat(db.fingerprint()).allMatch(line -> line.startsWith("-- ") || line.equals("plpgsql"));

        db.migrate();
        assertThat(db.fingerprint()).containsExactlyElementsOf(schemaAt.get(LATEST));
    }

    static List<String> versions(int upTo) {
        return IntStream.rangeClosed(1, upTo).mapToObj(String::valueOf).toList();
    }

    static Map<String, String> only(Map<String, String> row, List<String> columns) {
        Map<String, String> restricted = new TreeMap<>();
        for (String column : columns) {
            restricted.put(column, row.get(column));
        }
        return restricted;
    }

    /** At least one row in every table of the newest version, as the services write them (every constraint holds). */
    static void insertRowsIntoEveryTable(TestDatabase db) {
        db.execute("""
                insert into agents (id, name, status, metadata, created_at, updated_at) values
                    ('a0000000-0000-0000-0000-000000000001', 'alice', 'ACTIVE', '{"role": "verifier"}', %1$s, %1$s),
                    ('a0000000-0000-0000-0000-000000000002', 'bob', 'SUSPENDED', '{}', %1$s, %1$s);
                insert into accounts (id, agent_id, balance, created_at, updated_at) values
                    ('b0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 100, %1$s, %1$s),
                    ('b0000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000002', 0, %1$s, %1$s);
                update accounts set balance = -100 where id = '%2$s';
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                                       debit_balance_before, debit_balance_after, credit_balance_before,
                                       credit_balance_after, created_at, memo) values
                    ('d0000000-0000-0000-0000-000000000001', '%2$s', 'b0000000-0000-0000-0000-000000000001', 100,
                     'GRANT', 'POSTED', 0, -100, 0, 100, %1$s, 'welcome');
                insert into processed_commands (command_id, command_type, fingerprint, outcome, reason, detail, topic,
                                                partition, kafka_offset, processed_at, actor) values
                    ('c0000000-0000-0000-0000-000000000001', 'GrantKarma', 'fp-1', 'APPLIED', null, null,
                     'commands.ledger', 0, 41, %1$s, 'admin'),
                    ('%3$s', 'PostTransfer', 'fp-2', 'DEFERRED', 'AWAITING_RESERVATION', 'waits for its reservation',
                     'commands.ledger', 1, 7, %1$s, 'a0000000-0000-0000-0000-000000000001'),
                    ('c0000000-0000-0000-0000-000000000003', 'VoteOnClaim', 'fp-3', 'REJECTED', 'CLAIM_CLOSED', 'closed',
                     'commands.ledger', 2, 3, %1$s, 'a0000000-0000-0000-0000-000000000002'),
                    ('%4$s', 'TransferKarma', 'fp-7', 'DEAD_LETTERED', 'COMMAND_FAILED',
                     'the database refused the command (SQLSTATE 23514)', 'commands.karma', 3, 9, %1$s,
                     'a0000000-0000-0000-0000-000000000001'),
                    ('c0000000-0000-0000-0000-000000000008', 'unknown', 'unreadable:ab12', 'DEAD_LETTERED',
                     'MALFORMED_COMMAND', 'unsupported schemaVersion 9', 'commands.karma', 3, 10, %1$s, null);
                insert into consumer_offsets (group_id, topic, partition, next_offset, updated_at) values
                    ('ledger-worker', 'commands.ledger', 0, 42, %1$s);
                insert into outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at) values
                    ('e0000000-0000-0000-0000-000000000001', 'agent', 'a0000000-0000-0000-0000-000000000001',
                     'AgentRegistered', '{"name": "alice"}', %1$s);

                insert into cdc_offsets (offset_key, offset_value, updated_at) values
                    ('["audit-worker",{"server":"audit"}]', '{"lsn":123456,"txId":789}', %1$s);

                insert into claims (id, claimant_id, subject, statement, evidence, stake, stake_pending_id, quorum,
                                    status, verifications, disputes, created_at, updated_at) values
                    ('f0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'the sky',
                     'is blue', '{"url": "https://example.org"}', 0, null, 3, 'OPEN', 1, 0, %1$s, %1$s);
                insert into claim_votes (claim_id, voter_id, verified, command_id, voted_at) values
                    ('f0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000002', true,
                     'c0000000-0000-0000-0000-000000000004', %1$s);
                insert into claim_status_history (claim_id, status, command_id, changed_at) values
                    ('f0000000-0000-0000-0000-000000000001', 'OPEN', 'c0000000-0000-0000-0000-000000000005', %1$s);
                -- settled: from V13 on, the reputation of the claimant and of the voter (its trigger; a rejection
                -- costs the claimant whatever the stake, and the voter who verified)
                insert into claim_status_history (claim_id, status, command_id, changed_at) values
                    ('f0000000-0000-0000-0000-000000000001', 'REJECTED', 'c0000000-0000-0000-0000-000000000006', %1$s);
                -- V14: the triggers queue the claim; rolled up, and queued once more (as a redelivered settle would), so
                -- that U14's roll-up of the queue derives nothing new
                select * from reputation_roll_up(10);
                insert into reputation_due (kind, source_id) values ('claim', 'f0000000-0000-0000-0000-000000000001');

                insert into audit_log (seq, change_id, schema_name, table_name, operation, primary_key, change,
                                       commit_time, recorded_at, prev_hash, hash) values
                    (1, '10000000-0000-0000-0000-000000000001', 'public', 'agents', 'INSERT',
                     '{"id": "a0000000-0000-0000-0000-000000000001"}', '{"op":"INSERT"}', %1$s, %1$s,
                     decode(repeat('00', 32), 'hex'), decode(repeat('ab', 32), 'hex'));
                update audit_chain_head set seq = 1, hash = decode(repeat('ab', 32), 'hex');
                insert into cdc_heartbeat (id, beat_at) values (1, %1$s);

                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                                  lease_expires_at, fencing_token, lessee, spec, escrow_status, created_at,
                                  updated_at) values
                    ('20000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'LEASED', 5, 1,
                     3, 30000, %1$s, %1$s::timestamptz + interval '30 seconds', 1,
                     '30000000-0000-0000-0000-000000000001', '{"image": "render"}', 'NONE', %1$s, %1$s);
                insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at) values
                    ('20000000-0000-0000-0000-000000000001', 1, 1, '30000000-0000-0000-0000-000000000001', %1$s);
                insert into job_history (job_id, kind, status, attempt, fencing_token, executor_id, command_id, at)
                    values ('20000000-0000-0000-0000-000000000001', 'LEASED', 'LEASED', 1, 1,
                            '30000000-0000-0000-0000-000000000001', 'c0000000-0000-0000-0000-000000000006', %1$s);
                insert into job_saga_commands (id, job_id, step, topic_key, envelope, created_at, sent_at, attempts,
                                               last_sent_at) values
                    ('40000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000001', 'RESERVE',
                     'b0000000-0000-0000-0000-000000000001', '{"type": "ReserveTransfer"}', %1$s, %1$s, 2,
                     %1$s::timestamptz + interval '1 minute');
                -- V12: a settled escrow's resolution command, applied by the ledger, which U12 deletes
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                                  spec, price, escrow_status, created_at, updated_at) values
                    ('20000000-0000-0000-0000-000000000002', 'a0000000-0000-0000-0000-000000000001', 'FAILED', 5, 0,
                     3, 30000, %1$s, '{"image": "render"}', 5, 'REFUNDED', %1$s, %1$s);
                insert into job_saga_commands (id, job_id, step, topic_key, envelope, created_at, sent_at, resolved_at,
                                               outcome, generation) values
                    ('40000000-0000-0000-0000-000000000002', '20000000-0000-0000-0000-000000000002', 'RESOLVE_VOID',
                     'b0000000-0000-0000-0000-000000000001', '{"type": "VoidPending"}', %1$s, %1$s, %1$s, 'APPLIED', 1);
                insert into processed_commands (command_id, command_type, fingerprint, outcome, topic, partition,
                                                kafka_offset, processed_at, actor) values
                    ('40000000-0000-0000-0000-000000000002', 'VoidPending', 'fp-12', 'APPLIED', 'commands.karma', 0, 99,
                     %1$s, 'job-worker');

                insert into api_keys (id, agent_id, prefix, token_hash, created_at) values
                    ('50000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'ak_abcd1234',
                     decode(repeat('cd', 32), 'hex'), %1$s);
                insert into idempotency_keys (caller, idempotency_key, command_id, fingerprint, response_status,
                                              response_location, response_body, created_at, completed_at) values
                    ('admin', 'key-1', 'c0000000-0000-0000-0000-000000000001', 'fp-1', 202,
                     '/commands/c0000000-0000-0000-0000-000000000001', '{"status": "accepted"}', %1$s, %1$s);

                insert into command_issuers (command_id, issuer, issued_at) values
                    ('c0000000-0000-0000-0000-000000000001', 'admin', %1$s);

                insert into parked_resolutions (command_id, pending_id, kind, actor, schema_version, occurred_at,
                                                correlation_id, causation_id, deadline, created_at) values
                    ('%3$s', '60000000-0000-0000-0000-000000000001', 'POST', 'a0000000-0000-0000-0000-000000000001',
                     1, %1$s, '70000000-0000-0000-0000-000000000001', null, %1$s::timestamptz + interval '60 seconds',
                     %1$s);

                insert into dead_letter_replays (id, requested_by, requested_at, topic, filter, max_replays, status,
                                                 end_offsets, replayed, quarantined, skipped, runner, heartbeat_at,
                                                 finished_at) values
                    ('80000000-0000-0000-0000-000000000001', 'admin', %1$s, 'commands.karma.dlt',
                     '{"reason": "SQLSTATE"}', 3, 'DONE', '{"0": 4}', 1, 0, 3, 'ingest-1', %1$s, %1$s);
                """.formatted(AT, TREASURY, PARKED_COMMAND, DEAD_LETTERED_COMMAND));
    }

    /** What the release of a version writes after the undo down to it: an agent granted karma, and its inbox row. */
    static void insertRowsOfVersion(TestDatabase db, int version) {
        String n = String.format("%012d", version);
        db.execute("""
                insert into agents (id, name, status, metadata, created_at, updated_at) values
                    ('a1000000-0000-0000-0000-%1$s', 'agent of V%2$d', 'ACTIVE', '{}', %3$s, %3$s);
                insert into accounts (id, agent_id, balance, created_at, updated_at) values
                    ('b1000000-0000-0000-0000-%1$s', 'a1000000-0000-0000-0000-%1$s', 10, %3$s, %3$s);
                update accounts set balance = balance - 10 where id = '%4$s';
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                                       debit_balance_before, debit_balance_after, credit_balance_before,
                                       credit_balance_after, created_at) values
                    ('d1000000-0000-0000-0000-%1$s', '%4$s', 'b1000000-0000-0000-0000-%1$s', 10, 'GRANT', 'POSTED',
                     0, -10, 0, 10, %3$s);
                insert into processed_commands (command_id, command_type, fingerprint, outcome, topic, partition,
                                                kafka_offset, processed_at) values
                    ('c1000000-0000-0000-0000-%1$s', 'GrantKarma', 'fp', 'APPLIED', 'commands.ledger', 0, %2$d, %3$s);
                """.formatted(n, version, AT, TREASURY));
    }
}
