package org.agentplatform.schema.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * V13's reputation rules against a real PostgreSQL, with rows written as the workers write them (the triggers queue
 * them, V14's roll-up derives them): a voter counts for three claims of one claimant, a submitter and an executor
 * earn from five jobs together, a rebuild from the history gives the rolled-up projection back, and one roll-up
 * runs at a time. The whole-system view of the formula is ingest's {@code ReputationIntegrationTest}.
 */
class ReputationRulesTest {

    static final String T0 = "timestamptz '2026-07-01 00:00:00+00'";

    @Test
    void aFriendWhoKeepsVerifyingOneClaimantCountsForThreeClaims() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        agents(db, "a", "f", "w");
        for (int n = 1; n <= 5; n++) {
            settleClaim(db, n);
        }
        // the triggers only queued the settled claims, in the writers' transactions
        assertThat(db.column("select kind from reputation_due")).containsExactly("claim", "claim", "claim", "claim", "claim");
        assertThat(db.single("select count(*) from reputation_inputs")).isEqualTo("0");
        // 5 claims with 2 votes each: 15 inputs, in batches of 2 claims
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(2)")).containsExactly("2 6");
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(2)")).containsExactly("2 6");
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(2)")).containsExactly("1 3");
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(2)")).containsExactly("0 0");
        assertThat(db.column("select kind || ' ' || points from reputation_inputs where agent_id = " + agent("f")
                + " order by at"))
                .containsExactly("VOTE_AGREED 2.00", "VOTE_AGREED 2.00", "VOTE_AGREED 2.00", "VOTE_REPEATED 0", "VOTE_REPEATED 0");
        // a's last two claims: both verifiers have verified three of a's claims already, so none is independent
        assertThat(db.column("select points from reputation_inputs where agent_id = " + agent("a") + " order by at"))
                .containsExactly("10.00", "10.00", "10.00", "0.00", "0.00");
        assertRebuildGivesTheSame(db);
    }

    @Test
    void aSubmitterAndAnExecutorEarnFromFiveJobsTogether() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        agents(db, "s", "e");
        for (int n = 1; n <= 7; n++) {
            String job = "'e000000" + n + "-0000-0000-0000-000000000000'";
            String at = T0 + " + interval '" + n + " hours'";
            // leased, then ended as the job worker ends it: the attempt and the job in one transaction
            db.execute("""
                    insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                                      spec, created_at, updated_at, fencing_token, lessee, lease_expires_at)
                    values (%1$s, %2$s, 'LEASED', 0, 1, 3, 30000, %4$s, '{}', %4$s, %4$s, 1, %3$s, %4$s + interval '1 hour');
                    insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at)
                    values (%1$s, 1, 1, %3$s, %4$s);
                    begin;
                    update job_attempts set outcome = 'SUCCEEDED', ended_at = %4$s + interval '5 seconds' where job_id = %1$s;
                    update jobs set status = 'SUCCEEDED', lessee = null, lease_expires_at = null where id = %1$s;
                    commit;
                    """.formatted(job, agent("s"), agent("e"), at));
        }
        // the attempt's and the job's triggers each queued the job
        assertThat(db.single("select count(*) from reputation_due where kind = 'job'")).isEqualTo("14");
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(1000)")).containsExactly("14 14");
        assertThat(db.column("select points from reputation_inputs where agent_id = " + agent("e") + " order by at"))
                .containsExactly("3", "3", "3", "3", "3", "0", "0");
        assertThat(db.column("select points from reputation_inputs where agent_id = " + agent("s") + " order by at"))
                .containsExactly("1", "1", "1", "1", "1", "0", "0");
        assertThat(db.column("select inputs || ' ' || weighted::numeric(20, 6) from reputations where agent_id = " + agent("e")))
                .as("only the inputs that moved the sum count").hasSize(1).allMatch(row -> row.startsWith("5 "));
        assertRebuildGivesTheSame(db);
    }

    @Test
    void oneRollUpAtATimeAndARolledBackOneLeavesItsSourcesQueued() throws Exception {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        db.execute("insert into reputation_due (kind, source_id) values ('claim', gen_random_uuid()), ('job', gen_random_uuid())");
        try (Connection first = db.dataSource.getConnection(); Connection second = db.dataSource.getConnection()) {
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            // queue rows with no facts behind them (nothing settled) are taken and derive nothing
            assertThat(rollUp(first, 1)).isEqualTo("1 0");
            // while the first is uncommitted a second caller gets nothing, without waiting for it
            assertThat(rollUp(second, 1000)).isEqualTo("0 0");
            first.rollback();
            assertThat(db.single("select count(*) from reputation_due")).isEqualTo("2");
            assertThat(rollUp(second, 1000)).isEqualTo("2 0");
            second.commit();
        }
        assertThat(db.single("select count(*) from reputation_due")).isEqualTo("0");
        assertThatThrownBy(() -> db.execute("select * from reputation_roll_up(0)")).hasMessageContaining("at least 1");
    }

    @Test
    void undoingTheRollUpDerivesWhatIsQueuedAndTheTriggersDeriveAgain() {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        agents(db, "a", "f", "w");
        settleClaim(db, 1);
        assertThat(db.single("select count(*) from reputation_due")).isEqualTo("1");
        db.rollback().undoTo("13");
        assertThat(db.exists("reputation_due")).isFalse();
        assertThat(db.single("select count(*) from reputation_inputs")).as("the queued claim, rolled up by U14").isEqualTo("3");
        // V13's triggers again: the next settled claim is derived in its writer's transaction
        settleClaim(db, 2);
        assertThat(db.single("select count(*) from reputation_inputs")).isEqualTo("6");
        db.migrate();
        settleClaim(db, 3);
        assertThat(db.single("select count(*) from reputation_inputs")).isEqualTo("6");
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(10)")).containsExactly("1 3");
        assertRebuildGivesTheSame(db);
    }

    @Test
    void aJobQueuedAgainWhileARollUpTakesItsFirstEntryIsRolledUpAgain() throws Exception {
        TestDatabase db = TestDatabase.create();
        db.migrate();
        agents(db, "s", "e");
        String job = "'e0000001-0000-0000-0000-000000000000'";
        String at = T0;
        // attempt 1 fails and commits: the job is queued
        db.execute("""
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                                  spec, created_at, updated_at, fencing_token, lessee, lease_expires_at)
                values (%1$s, %2$s, 'LEASED', 0, 1, 3, 30000, %4$s, '{}', %4$s, %4$s, 1, %3$s, %4$s + interval '1 hour');
                insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at) values (%1$s, 1, 1, %3$s, %4$s);
                update job_attempts set outcome = 'FAILED', ended_at = %4$s + interval '5 seconds' where job_id = %1$s;
                update jobs set status = 'QUEUED', lessee = null, lease_expires_at = null where id = %1$s;
                """.formatted(job, agent("s"), agent("e"), at));
        try (Connection worker = db.dataSource.getConnection(); Connection rollUp = db.dataSource.getConnection()) {
            worker.setAutoCommit(false);
            rollUp.setAutoCommit(false);
            // attempt 2 succeeds and the job with it, in a transaction still open while a roll-up takes attempt 1
            try (Statement s = worker.createStatement()) {
                s.execute("""
                        update jobs set status = 'LEASED', attempts = 2, fencing_token = 2, lessee = %3$s,
                                        lease_expires_at = %2$s + interval '1 hour' where id = %1$s;
                        insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at)
                            values (%1$s, 2, 2, %3$s, %2$s + interval '1 minute');
                        update job_attempts set outcome = 'SUCCEEDED', ended_at = %2$s + interval '2 minutes'
                            where job_id = %1$s and fencing_token = 2;
                        update jobs set status = 'SUCCEEDED', lessee = null, lease_expires_at = null where id = %1$s;
                        """.formatted(job, at, agent("e")));
            }
            assertThat(rollUp(rollUp, 1000)).isEqualTo("1 1");
            rollUp.commit();
            worker.commit();
        }
        assertThat(db.column("select kind from reputation_inputs order by at")).containsExactly("ATTEMPT_FAILED");
        // the worker's own queue rows were not the roll-up's to take: the next pass records attempt 2 and the job
        assertThat(db.column("select taken || ' ' || inputs from reputation_roll_up(1000)")).containsExactly("2 2");
        assertThat(db.column("select kind from reputation_inputs order by at, kind"))
                .containsExactly("ATTEMPT_FAILED", "ATTEMPT_SUCCEEDED", "JOB_SUBMITTED_SUCCEEDED");
        assertRebuildGivesTheSame(db);
    }

    private static String rollUp(Connection connection, int batch) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("select taken || ' ' || inputs from reputation_roll_up(" + batch + ")")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void assertRebuildGivesTheSame(TestDatabase db) {
        String inputs = "select id || ' ' || agent_id || ' ' || kind || ' ' || points || ' ' || weight || ' ' || karma"
                + " from reputation_inputs order by id";
        String sums = "select agent_id || ' ' || weighted || ' ' || inputs || ' ' || karma_earned || ' ' || last_input_at"
                + " from reputations order by agent_id";
        List<String> liveInputs = db.column(inputs);
        List<String> liveSums = db.column(sums);
        assertThat(liveInputs).isNotEmpty();
        db.column("select agents || ' ' || inputs from reputation_rebuild()");
        assertThat(db.column(inputs)).containsExactlyElementsOf(liveInputs);
        assertThat(db.column(sums)).containsExactlyElementsOf(liveSums);
    }

    /** Claim n of a's, staked (its hold), verified by the friend f and by w, settled a minute later, n hours after T0. */
    private static void settleClaim(TestDatabase db, int n) {
        String claim = "'f000000" + n + "-0000-0000-0000-000000000000'";
        String hold = "'d000000" + n + "-0000-0000-0000-000000000000'";
        String at = T0 + " + interval '" + n + " hours'";
        db.execute("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status, debit_balance_before,
                                       debit_balance_after, credit_balance_before, credit_balance_after, created_at,
                                       expires_at, controller)
                values (%2$s, %3$s, '00000000-0000-0000-0000-000000000001', 10, 'STAKE', 'PENDING', 0, 0, 0, 0, %4$s,
                        %4$s + interval '1 day', 'ledger');
                insert into claims (id, claimant_id, subject, statement, stake, stake_pending_id, quorum, status,
                                    created_at, updated_at)
                values (%1$s, %3$s, 's', 't', 10, %2$s, 2, 'VERIFIED', %4$s, %4$s);
                insert into claim_votes (claim_id, voter_id, verified, command_id, voted_at) values
                    (%1$s, %5$s, true, gen_random_uuid(), %4$s + interval '1 second'),
                    (%1$s, %6$s, true, gen_random_uuid(), %4$s + interval '2 seconds');
                insert into claim_status_history (claim_id, status, command_id, changed_at)
                values (%1$s, 'VERIFIED', gen_random_uuid(), %4$s + interval '1 minute');
                """.formatted(claim, hold, agent("a"), at, agent("f"), agent("w")));
    }

    private static void agents(TestDatabase db, String... names) {
        for (String name : names) {
            db.execute("""
                    insert into agents (id, name, status, created_at, updated_at) values (%1$s, '%2$s', 'ACTIVE', %3$s, %3$s);
                    insert into accounts (id, agent_id, created_at, updated_at) values (%1$s, %1$s, %3$s, %3$s);
                    """.formatted(agent(name), name, T0));
        }
    }

    /** A fixed id per name, as a SQL literal. */
    private static String agent(String name) {
        return "'a0000000-0000-0000-0000-00000000000" + (name.charAt(0) % 10) + "'::uuid";
    }
}
