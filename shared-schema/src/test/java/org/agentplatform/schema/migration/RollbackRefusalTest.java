package org.agentplatform.schema.migration;

import static org.agentplatform.schema.migration.RollbackRoundTripTest.AT;
import static org.agentplatform.schema.migration.RollbackRoundTripTest.ESCROW;
import static org.agentplatform.schema.migration.RollbackRoundTripTest.LATEST;
import static org.agentplatform.schema.migration.RollbackRoundTripTest.TREASURY;
import static org.agentplatform.schema.migration.RollbackRoundTripTest.versions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.stream.IntStream;

import org.agentplatform.schema.migration.Rollback.RollbackException;
import org.flywaydb.core.api.FlywayException;

import org.junit.jupiter.api.Test;

/** What the runner refuses, how a failed undo leaves the schema, Flyway's lock, and the command line. */
class RollbackRefusalTest {

    @Test
    void aTargetAboveTheCurrentVersionIsRefused() {
        TestDatabase db = TestDatabase.create();
        db.migrateTo(5);

        assertThatThrownBy(() -> db.rollback().undoTo("7")).isInstanceOf(RollbackException.class)
                .hasMessageContaining("target version 7 is above the current version, V5");
        assertThatThrownBy(() -> db.rollback().undoTo("latest")).isInstanceOf(RollbackException.class)
                .hasMessageContaining("not a version");
        assertThat(db.appliedVersions()).isEqualTo(versions(5));
        assertThat(db.rollback().undoTo("5")).as("at the target already").isEmpty();
    }

    @Test
    void aMissingUndoScriptIsRefusedBeforeAnythingIsUndone() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        ClassLoader withoutU8 = new ClassLoader(getClass().getClassLoader()) {
            @Override
            public URL getResource(String name) {
                return name.equals("db/rollback/U8__saga_resend.sql") ? null : super.getResource(name);
            }
        };
        Rollback rollback = new Rollback(db.dataSource, null, withoutU8, Duration.ofSeconds(5));

        RollbackException refused = catchThrowableOfType(RollbackException.class, () -> rollback.undoTo("6"));
        assertThat(refused).hasMessageContaining("no undo script").hasMessageContaining("db/rollback/U8__saga_resend.sql");
        assertThat(refused.undone()).isEmpty();
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));
        assertThat(db.exists("parked_resolutions")).as("U9 did not run").isTrue();
        // above the gap it still works
        assertThat(rollback.undoTo("8")).hasSize(LATEST - 8);
        assertThat(db.appliedVersions()).isEqualTo(versions(8));
    }

    @Test
    void aFailedUndoStopsAndLeavesTheSchemaAndHistoryAtThatVersion() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        // a job was paid through the escrow account: U5 cannot delete it
        db.execute("""
                insert into agents (id, name, status, created_at, updated_at)
                    values ('a0000000-0000-0000-0000-000000000001', 'alice', 'ACTIVE', %1$s, %1$s);
                insert into accounts (id, agent_id, balance, created_at, updated_at)
                    values ('b0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 0, %1$s, %1$s);
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                                       debit_balance_before, debit_balance_after, credit_balance_before,
                                       credit_balance_after, created_at)
                    values ('d0000000-0000-0000-0000-000000000001', '%2$s', '%3$s', 5, 'ESCROW', 'POSTED', 0, -5, 0, 5, %1$s),
                           ('d0000000-0000-0000-0000-000000000002', '%3$s', 'b0000000-0000-0000-0000-000000000001', 5,
                            'PAYOUT', 'POSTED', 5, 0, 0, 5, %1$s);
                update accounts set balance = -5 where id = '%2$s';
                update accounts set balance = 5 where id = 'b0000000-0000-0000-0000-000000000001';
                """.formatted(AT, TREASURY, ESCROW));

        RollbackException failed = catchThrowableOfType(RollbackException.class, () -> db.rollback().undoTo("4"));

        assertThat(failed).hasMessageContaining("undo of V5 (db/rollback/U5__jobs.sql) failed and was rolled back")
                .hasMessageContaining("job-escrow account")
                .hasMessageContaining("The schema and flyway_schema_history are at V5");
        assertThat(failed.undone()).extracting(step -> step.version().getVersion()).containsExactlyElementsOf(
                IntStream.iterate(LATEST, v -> v >= 6, v -> v - 1).mapToObj(String::valueOf).toList());
        assertThat(db.appliedVersions()).isEqualTo(versions(5));
        assertThat(db.tables()).contains("jobs", "job_saga_commands").doesNotContain("api_keys", "parked_resolutions");
        assertThat(db.single("select count(*) from transfers")).isEqualTo("2");

        // consistent: migrating applies exactly what was undone
        db.migrate();
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));
        assertThat(db.flyway().load().validateWithResult().validationSuccessful).isTrue();
    }

    @Test
    void undoingV3IsRefusedOnceTwoPhaseTransfersExist() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        db.execute("""
                insert into agents (id, name, status, created_at, updated_at)
                    values ('a0000000-0000-0000-0000-000000000001', 'alice', 'ACTIVE', %1$s, %1$s);
                insert into accounts (id, agent_id, balance, pending_debits, created_at, updated_at)
                    values ('b0000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 10, 4, %1$s, %1$s);
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                                       debit_balance_before, debit_balance_after, credit_balance_before,
                                       credit_balance_after, created_at, expires_at, controller)
                    values ('d0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000001', '%2$s', 4,
                            'TRANSFER', 'PENDING', 10, 10, 0, 0, %1$s, %1$s::timestamptz + interval '1 hour',
                            'a0000000-0000-0000-0000-000000000001');
                """.formatted(AT, TREASURY));

        RollbackException failed = catchThrowableOfType(RollbackException.class, () -> db.rollback().undoTo("2"));

        assertThat(failed).hasMessageContaining("undo of V3 refused: transfers holds 1 two-phase row(s)");
        assertThat(db.appliedVersions()).isEqualTo(versions(3));
        assertThat(db.single("select status || ' ' || (expires_at is not null) from transfers")).isEqualTo("PENDING true");
        assertThat(db.exists("claims")).isTrue();

        db.migrate();
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));
        // V7's backfill gives the open reservation its controller again (the debited agent's account, by V7's rule)
        assertThat(db.single("select controller from transfers")).isEqualTo("b0000000-0000-0000-0000-000000000001");
    }

    @Test
    void undoingV12IsRefusedWhileAnEscrowAResolutionActedOnIsNotSettled() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        // a refund from the escrow account given up on (no outcome): the ledger may still apply it
        db.execute("""
                insert into jobs (id, submitter_id, status, priority, max_attempts, lease_timeout_ms, run_at, spec, price,
                                  escrow_status, created_at, updated_at)
                    values ('20000000-0000-0000-0000-000000000001', 'a0000000-0000-0000-0000-000000000001', 'FAILED', 0, 1,
                            1000, %1$s, '{}', 5, 'STUCK', %1$s, %1$s);
                insert into job_saga_commands (id, job_id, step, topic_key, envelope, created_at, sent_at, resolved_at,
                                               outcome, reason)
                    values ('40000000-0000-0000-0000-000000000001', '20000000-0000-0000-0000-000000000001',
                            'RESOLVE_RETURN', 'k', '{"type": "TransferKarma"}', %1$s, %1$s, %1$s, 'NO_OUTCOME', 'NO_OUTCOME');
                """.formatted(AT));

        RollbackException failed = catchThrowableOfType(RollbackException.class, () -> db.rollback().undoTo("11"));

        assertThat(failed).hasMessageContaining("undo of V12 refused: an escrow resolution is not settled");
        assertThat(db.appliedVersions()).isEqualTo(versions(12));
        assertThat(db.single("select step from job_saga_commands")).isEqualTo("RESOLVE_RETURN");

        // the ledger applied it late and the escrow was settled: still refused while its outcome is not on record
        db.execute("update jobs set escrow_status = 'REFUNDED'");
        assertThat(catchThrowableOfType(RollbackException.class, () -> db.rollback().undoTo("11")))
                .hasMessageContaining("undo of V12 refused");
        db.execute("""
                insert into processed_commands (command_id, command_type, fingerprint, outcome, topic, partition,
                                                kafka_offset, processed_at, actor)
                    values ('40000000-0000-0000-0000-000000000001', 'TransferKarma', 'fp', 'APPLIED', 'commands.karma', 0,
                            1, %1$s, 'job-worker');
                """.formatted(AT));
        db.rollback().undoTo("11");
        assertThat(db.appliedVersions()).isEqualTo(versions(11));
        assertThat(db.single("select count(*) from job_saga_commands")).isEqualTo("0");
    }

    @Test
    void theRunnerHoldsFlywaysLock() throws Exception {
        TestDatabase db = TestDatabase.create();
        db.migrateTo(LATEST - 1);
        try (Connection other = db.dataSource.getConnection()) {
            try (PreparedStatement lock = other.prepareStatement("select pg_advisory_lock(?)")) {
                lock.setLong(1, Rollback.flywayLockKey("public"));
                lock.execute();
            }
            // the key is Flyway's: a migrate waits for it
            assertThatThrownBy(() -> db.flyway().lockRetryCount(1).load().migrate()).isInstanceOf(FlywayException.class)
                    .hasMessageContaining("advisory lock");
            // and so does a rollback, which gives up after its timeout
            Rollback impatient = new Rollback(db.dataSource, null, getClass().getClassLoader(), Duration.ofSeconds(1));
            assertThatThrownBy(() -> impatient.undoTo("7")).isInstanceOf(RollbackException.class)
                    .hasMessageContaining("Flyway's lock on flyway_schema_history is held by another session");
        }
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST - 1));
        db.migrate();
        assertThat(db.rollback().undoTo("7")).hasSize(LATEST - 7);
        // released after the run: Flyway migrates again
        db.migrate();
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));
    }

    @Test
    void theCommandLine() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        String[] connection = {"--url", db.url, "--user", db.user, "--password", db.password};

        Run dryRun = run(connection, "--to", "7", "--dry-run");
        assertThat(dryRun.exit).as(dryRun.err).isZero();
        assertThat(dryRun.out).contains("Would undo", "V9 parked resolutions", "db/rollback/U9__parked_resolutions.sql",
                "V8 saga resend", "loses: every parked post and void").doesNotContain("V7 ");
        assertThat(db.appliedVersions()).isEqualTo(versions(LATEST));

        Run undo = run(connection, "--to", "7");
        assertThat(undo.exit).as(undo.err).isZero();
        assertThat(undo.out).contains("Undone V9 (U9__parked_resolutions.sql)", "Undone V8 (U8__saga_resend.sql)",
                "The schema is at version 7");
        assertThat(db.appliedVersions()).isEqualTo(versions(7));

        Run above = run(connection, "--to", "8");
        assertThat(above.exit).isEqualTo(1);
        assertThat(above.err).contains("refused: target version 8 is above the current version, V7");

        Run nothing = run(connection, "--to", "7");
        assertThat(nothing.exit).isZero();
        assertThat(nothing.out).contains("Nothing to undo");

        Run usage = run(new String[] {"--url", db.url}, "--to");
        assertThat(usage.exit).isEqualTo(2);
        assertThat(usage.err).contains("Usage: Rollback");
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String[] first, String... more) {
        String[] args = new String[first.length + more.length];
        System.arraycopy(first, 0, args, 0, first.length);
        System.arraycopy(more, 0, args, first.length, more.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Rollback.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
