package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.sql.SQLException;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.agentplatform.ingest.keys.ApiKeys.NewKey;
import org.agentplatform.ingest.reads.ReadSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.test.web.servlet.client.RestTestClient;

import tools.jackson.databind.JsonNode;

/**
 * The read side's aggregations over rows written as the workers write them: an account's karma per day, claim
 * statistics of a subject, an executor's job statistics and the karma-earned leaderboard, with their
 * authorization and their refusals of bad input. The figures at scale (p99 and plans) come from
 * {@link ReadSideScaleBenchmark}.
 */
class ReadSideAggregationsIntegrationTest extends AbstractIngestIntegrationTest {

    static final String TREASURY = "00000000-0000-0000-0000-000000000001";
    static final OffsetDateTime DAY = OffsetDateTime.of(2026, 6, 1, 0, 0, 0, 0, ZoneOffset.UTC);

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    @Autowired
    ReadSource reads;

    @Test
    void aReadIsOneReadOnlySnapshotOnThePrimaryToo() {
        assertThat(reads.hasReplica()).isFalse();
        // its statements run in one repeatable-read transaction: the same snapshot, on one connection
        String[] seen = reads.query(read -> new String[] {
                read.sql("select current_setting('transaction_isolation') || ' ' || pg_current_snapshot()").query(String.class).single(),
                read.sql("select current_setting('transaction_isolation') || ' ' || pg_current_snapshot()").query(String.class).single()});
        assertThat(seen[0]).startsWith("repeatable read ").isEqualTo(seen[1]);
        // and a write sent this way is refused (25006) and not retried
        UUID agent = UUID.randomUUID();
        assertThatThrownBy(() -> reads.query(write -> write.sql("insert into agents (id, name, status, created_at, updated_at)"
                + " values (?, 'written through a read', 'ACTIVE', now(), now())").param(agent).update()))
                .isInstanceOfSatisfying(DataAccessException.class, e -> assertThat(
                        ((SQLException) e.getMostSpecificCause()).getSQLState()).isEqualTo("25006"));
        assertThat(jdbc.sql("select count(*) from agents where id = ?").param(agent).query(Long.class).single()).isZero();
        // the pooled connection is back in its default state for the next user (Hikari resets the auto-commit)
        assertThat(jdbc.sql("select current_setting('transaction_isolation')").query(String.class).single())
                .isEqualTo("read committed");
    }

    @Test
    void anAccountsKarmaPerDayInAndOutByKind() {
        UUID alice = agent("alice");
        UUID bob = agent("bob");
        transfer(TREASURY, alice, 100, "GRANT", "POSTED", DAY.plusHours(1));
        transfer(alice, bob, 30, "TRANSFER", "POSTED", DAY.plusHours(5));
        transfer(bob, alice, 5, "TRANSFER", "POSTED", DAY.plusDays(1).plusMinutes(1));
        // a hold moves nothing until it is posted; a day outside the range is not shown
        transfer(alice, bob, 7, "TRANSFER", "PENDING", DAY.plusDays(1).plusMinutes(2));
        transfer(TREASURY, alice, 1, "GRANT", "POSTED", DAY.plusDays(3));

        JsonNode flow = get("/accounts/" + alice + "/flow?from=2026-06-01&to=2026-06-03", keys.create(alice).apiKey());
        assertThat(flow.get("days")).hasSize(2);
        JsonNode first = flow.get("days").get(0);
        assertThat(first.get("day").asString()).isEqualTo("2026-06-01");
        assertThat(first.get("in").asLong()).isEqualTo(100);
        assertThat(first.get("out").asLong()).isEqualTo(30);
        assertThat(first.get("byKind")).hasSize(2);
        JsonNode second = flow.get("days").get(1);
        assertThat(second.get("in").asLong()).isEqualTo(5);
        assertThat(second.get("out").asLong()).isZero();

        NewKey bobs = keys.create(bob);
        http.get().uri("/accounts/{id}/flow", alice).headers(h -> h.setBearerAuth(bobs.apiKey())).exchange()
                .expectStatus().isForbidden();
        http.get().uri("/accounts/{id}/flow?from=2026-06-03&to=2026-06-01", alice).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("from");
        http.get().uri("/accounts/{id}/flow?from=2025-01-01&to=2026-06-01", alice).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isBadRequest();
        http.get().uri("/accounts/{id}/flow?from=yesterday", alice).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isBadRequest();
        // days PostgreSQL's timestamps cannot hold are refused, naming the field, not a 500
        http.get().uri("/accounts/{id}/flow?from=-5000-01-01&to=-5000-01-02", alice).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("from");
    }

    @Test
    void claimStatisticsOfASubject() {
        UUID claimant = agent("carl");
        String subject = "subject-" + UUID.randomUUID();
        claim(claimant, subject, "VERIFIED", 10);
        claim(claimant, subject, "REJECTED", 30);
        claim(claimant, subject, "OPEN", 0);
        claim(claimant, "another " + subject, "VERIFIED", 1000);

        JsonNode stats = get("/claims/statistics?subject=" + subject, ADMIN);
        assertThat(stats.get("claims").asLong()).isEqualTo(3);
        assertThat(stats.get("open").asLong()).isOne();
        assertThat(stats.get("verificationRate").asDouble()).isEqualTo(0.5);
        assertThat(stats.get("settleSecondsP50").asDouble()).isCloseTo(20, within(1e-6));
        assertThat(stats.get("settleSecondsP99").asDouble()).isCloseTo(29.8, within(1e-6));

        JsonNode none = get("/claims/statistics?subject=nothing-here-" + UUID.randomUUID(), ADMIN);
        assertThat(none.get("claims").asLong()).isZero();
        assertThat(none.get("verificationRate").isNull()).isTrue();
        http.get().uri("/claims/statistics").headers(h -> h.setBearerAuth(ADMIN)).exchange().expectStatus().isBadRequest();
        http.get().uri("/claims/statistics?subject= ").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("subject");
        http.get().uri("/claims/statistics?subject={subject}", "a\u0000b").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("subject");
    }

    @Test
    void anExecutorsJobStatistics() {
        UUID submitter = agent("sam");
        UUID executor = agent("eve");
        attempt(submitter, executor, "SUCCEEDED", 1);
        attempt(submitter, executor, "SUCCEEDED", 2);
        attempt(submitter, executor, "SUCCEEDED", 3);
        attempt(submitter, executor, "FAILED", 9);
        attempt(submitter, executor, "EXPIRED", 30);
        attempt(submitter, executor, null, 0);

        JsonNode stats = get("/agents/" + executor + "/job-statistics", keys.create(submitter).apiKey());
        assertThat(stats.get("attempts").asLong()).isEqualTo(6);
        assertThat(stats.get("succeeded").asLong()).isEqualTo(3);
        assertThat(stats.get("running").asLong()).isOne();
        assertThat(stats.get("successRate").asDouble()).isCloseTo(0.6, within(1e-9));
        assertThat(stats.get("runSecondsP50").asDouble()).isCloseTo(2, within(1e-6));
        assertThat(stats.get("runSecondsP99").asDouble()).isCloseTo(2.98, within(1e-6));
        http.get().uri("/agents/{id}/job-statistics", executor).exchange().expectStatus().isUnauthorized();
    }

    @Test
    void theKarmaEarnedLeaderboardPagesHighestFirst() {
        UUID[] agents = { agent("a"), agent("b"), agent("c") };
        long[] earned = { 50, 500, 5 };
        for (int i = 0; i < agents.length; i++) {
            jdbc.sql("insert into reputations (agent_id, weighted, inputs, last_input_at, karma_earned) values (?, ?, 1, ?, ?)")
                    .params(agents[i], 10 - i, DAY, earned[i]).update();
        }
        JsonNode first = get("/reputation/leaderboard?by=karma-earned&limit=2", ADMIN);
        assertThat(first.get("entries").findValues("karmaEarned")).extracting(JsonNode::asLong).containsExactly(500L, 50L);
        JsonNode rest = get("/reputation/leaderboard?by=karma-earned&limit=2&after=" + first.get("next").asString(), ADMIN);
        // then 5, and agents other tests here gave a record without earnings (0)
        assertThat(rest.get("entries").get(0).get("karmaEarned").asLong()).isEqualTo(5);
        assertThat(rest.get("entries").findValues("karmaEarned")).extracting(JsonNode::asLong).allMatch(k -> k <= 5);
        JsonNode byScore = get("/reputation/leaderboard?limit=3", ADMIN);
        assertThat(byScore.get("entries").findValues("agentId")).extracting(JsonNode::asString)
                .containsExactly(agents[0].toString(), agents[1].toString(), agents[2].toString());

        http.get().uri("/reputation/leaderboard?by=wealth").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("by");
        http.get().uri("/reputation/leaderboard?limit=0").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isBadRequest();
        http.get().uri("/reputation/leaderboard?after=1_not-a-uuid").headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("after");
        for (String after : new String[] { "1E-999999999_" + agents[0], "1.5_" + agents[0] }) {
            http.get().uri("/reputation/leaderboard?by=karma-earned&after=" + after).headers(h -> h.setBearerAuth(ADMIN))
                    .exchange().expectStatus().isBadRequest().expectBody().jsonPath("$.errors[0].field").isEqualTo("after");
        }
    }

    private JsonNode get(String path, String key) {
        return http.get().uri(path).headers(h -> h.setBearerAuth(key)).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    /** An agent and its account (the same id), as the ledger registers them. */
    private UUID agent(String name) {
        UUID id = UUID.randomUUID();
        jdbc.sql("insert into agents (id, name, status, created_at, updated_at) values (?, ?, 'ACTIVE', ?, ?)")
                .params(id, name, DAY, DAY).update();
        jdbc.sql("insert into accounts (id, agent_id, created_at, updated_at) values (?, ?, ?, ?)")
                .params(id, id, DAY, DAY).update();
        return id;
    }

    private void transfer(Object from, Object to, long amount, String kind, String status, OffsetDateTime at) {
        jdbc.sql("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status, debit_balance_before,
                                       debit_balance_after, credit_balance_before, credit_balance_after, created_at,
                                       expires_at, controller)
                values (?, ?::uuid, ?::uuid, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?::uuid)""")
                .params(UUID.randomUUID(), from.toString(), to.toString(), amount, kind, status, at,
                        "PENDING".equals(status) ? at.plusHours(1) : null, "PENDING".equals(status) ? from.toString() : null)
                .update();
    }

    private void claim(UUID claimant, String subject, String status, int settleSeconds) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                insert into claims (id, claimant_id, subject, statement, stake, quorum, status, created_at, updated_at)
                values (?, ?, ?, 'x', 0, 3, ?, ?, ?)""").params(id, claimant, subject, status, DAY, DAY).update();
        jdbc.sql("insert into claim_status_history (claim_id, status, command_id, changed_at) values (?, 'OPEN', ?, ?)")
                .params(id, UUID.randomUUID(), DAY).update();
        if (!"OPEN".equals(status)) {
            jdbc.sql("insert into claim_status_history (claim_id, status, command_id, changed_at) values (?, ?, ?, ?)")
                    .params(id, status, UUID.randomUUID(), DAY.plusSeconds(settleSeconds)).update();
        }
    }

    private void attempt(UUID submitter, UUID executor, String outcome, int seconds) {
        UUID job = UUID.randomUUID();
        jdbc.sql("""
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at, spec,
                                  created_at, updated_at)
                values (?, ?, 'QUEUED', 0, 1, 3, 30000, ?, '{}', ?, ?)""").params(job, submitter, DAY, DAY, DAY).update();
        jdbc.sql("""
                insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at, ended_at, outcome)
                values (?, 1, 1, ?, ?, ?, ?)""")
                .params(job, executor, DAY, outcome == null ? null : DAY.plusSeconds(seconds), outcome).update();
    }
}
