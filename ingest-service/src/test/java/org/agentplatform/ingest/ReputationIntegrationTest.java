package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import tools.jackson.databind.JsonNode;

/**
 * Reputation after a scripted history run through the real ledger and job workers (and the ledger's roll-up of what
 * their triggers queued): each agent's score is the
 * README's formula of what happened (50, plus each input's points, decayed by the seconds the test took), the
 * inputs explain it, a rebuild from the recorded history gives the same rows, and the farming patterns the
 * README names do not pay (a reciprocal vote, a claim without stake, work on one's own job).
 */
class ReputationIntegrationTest extends WithWorkers {

    static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    DataSource dataSource;

    @Test
    void theScoreIsTheFormulaOfTheHistoryAndARebuildGivesTheSameProjection() throws SQLException {
        Agent ada = register("ada");
        Agent bea = register("bea");
        Agent cyd = register("cyd");
        Agent dov = register("dov");
        Agent exe = register("exe");
        Agent sub = register("sub");
        for (Agent rich : List.of(ada, bea, sub)) {
            Answer grant = post("/karma/grants", ADMIN, "{\"accountId\":\"%s\",\"amount\":100}".formatted(rich.id()));
            assertThat(grant.status()).as(grant.text()).isEqualTo(202);
            await().atMost(WAIT).until(() -> balance(rich.id()) == 100);
        }
        Map<UUID, Double> expected = new HashMap<>();

        // ada's claim, staked 10, verified by three agents who were never verified by her: full points, +2 each
        settle(claim(ada, 10), bea, cyd, dov);
        add(expected, ada, 10);
        add(expected, bea, 2);
        add(expected, cyd, 2);
        add(expected, dov, 2);

        // bea's claim, verified by ada (whom bea verified: reciprocal, 0 and not counted) and two others: 2/3
        settle(claim(bea, 10), ada, cyd, dov);
        add(expected, bea, 10.0 * 2 / 3);
        add(expected, cyd, 2);
        add(expected, dov, 2);

        // dov's claim without stake: nothing for anyone (a claim that risks nothing earns nothing, votes neither)
        settle(claim(dov, 0), ada, bea, cyd);

        // a job exe runs for sub: +3 for exe, +1 for sub; a priced one pays exe 30 (+3 earned, capped at 5)
        run(sub, exe, "null", true);
        add(expected, exe, 3);
        add(expected, sub, 1);
        run(sub, exe, "30", true);
        add(expected, exe, 3 + 3);
        add(expected, sub, 1);
        await().atMost(WAIT).until(() -> balance(exe.id()) == 30);

        // a job that dies on exe's only attempt: -1 for the failed attempt, -2 for the death
        run(sub, exe, "null", false);
        add(expected, exe, -1 - 2);

        // sub runs its own job: neither the attempt nor the submission earns anything
        run(sub, sub, "null", true);

        for (Agent agent : List.of(ada, bea, cyd, dov, exe, sub)) {
            double score = expected.getOrDefault(agent.id(), 0.0);
            await().atMost(WAIT).untilAsserted(() -> {
                JsonNode reputation = reputation(agent);
                // every input decays by at most a few seconds' worth of its 90-day half-life
                assertThat(reputation.get("score").asDouble()).as(agent + ": " + reputation)
                        .isCloseTo(50 + score, within(0.01));
            });
        }
        JsonNode exes = reputation(exe);
        assertThat(kinds(exes)).containsEntry("ATTEMPT_SUCCEEDED", 6.0).containsEntry("KARMA_EARNED", 3.0)
                .containsEntry("ATTEMPT_FAILED", -1.0).containsEntry("JOB_DIED", -2.0);
        assertThat(exes.get("recentInputs")).isNotEmpty();
        // the inputs name claims and jobs: another agent sees the score and the kinds, not them
        JsonNode seenByOthers = get("/agents/" + exe.id() + "/reputation", ada.key()).json();
        assertThat(seenByOthers.get("score").asDouble()).isEqualTo(exes.get("score").asDouble());
        assertThat(seenByOthers.get("breakdown")).isNotEmpty();
        assertThat(seenByOthers.get("recentInputs")).isEmpty();
        assertThat(kinds(reputation(ada))).containsEntry("CLAIM_VERIFIED", 10.0).containsEntry("VOTE_RECIPROCAL", 0.0);
        assertThat(kinds(reputation(sub))).containsEntry("JOB_SUBMITTED_SUCCEEDED", 2.0);
        assertThat(reputation(sub).get("breakdown").findValues("kind")).extracting(JsonNode::asString)
                .contains("ATTEMPT_SUCCEEDED");

        // the leaderboard: highest first, in pages that cover everyone once
        JsonNode first = get("/reputation/leaderboard?limit=2", exe.key()).json();
        assertThat(first.get("entries")).hasSize(2);
        assertThat(first.get("entries").get(0).get("score").asDouble())
                .isGreaterThanOrEqualTo(first.get("entries").get(1).get("score").asDouble());
        JsonNode second = get("/reputation/leaderboard?limit=2&after=" + first.get("next").asString(), exe.key()).json();
        assertThat(second.get("entries").get(0).get("score").asDouble())
                .isLessThanOrEqualTo(first.get("entries").get(1).get("score").asDouble());
        assertThat(get("/reputation/leaderboard?after=nonsense", exe.key()).json().get("errors").get(0).get("field")
                .asString()).isEqualTo("after");
        assertThat(get("/agents/" + UUID.randomUUID() + "/reputation", exe.key()).status()).isEqualTo(404);
        assertThat(get("/agents/" + ada.id() + "/reputation", null).status()).isEqualTo(401);

        // a rebuild from the recorded history: the same inputs and the same sums
        String inputs = "select string_agg(id || ' ' || agent_id || ' ' || kind || ' ' || points || ' ' || at || ' '"
                + " || weight, E'\\n' order by id) from reputation_inputs";
        String sums = "select string_agg(agent_id || ' ' || weighted || ' ' || inputs || ' ' || last_input_at, E'\\n'"
                + " order by agent_id) from reputations";
        // once the ledger's roll-up has taken everything queued (a job whose inputs are all 0 moves no score)
        await().atMost(WAIT).until(() -> jdbc.sql("select count(*) from reputation_due").query(Long.class).single() == 0);
        // the one ledger worker recorded every input there is (the classes sharing these workers' database
        // included), each once; a pass counts after its commit, hence the wait
        await().atMost(WAIT).untilAsserted(() -> assertThat(ledgerMeters().get("ledger.reputation.inputs").counter().count())
                .isEqualTo((double) jdbc.sql("select count(*) from reputation_inputs").query(Long.class).single()));
        assertThat(ledgerMeters().get("ledger.reputation.rolled.up").counter().count()).isGreaterThanOrEqualTo(8);
        await().atMost(WAIT).until(() -> ledgerMeters().get("ledger.reputation.queued").gauge().value() == 0);
        // in one transaction that first holds the roll-up, so nothing recorded meanwhile tells them apart
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            JdbcClient tx = JdbcClient.create(new SingleConnectionDataSource(connection, true));
            tx.sql("select pg_advisory_xact_lock(hashtextextended('reputation_roll_up', 0))").query().listOfRows();
            tx.sql("lock table reputation_inputs, reputations in exclusive mode").update();
            assertThat(tx.sql("select count(*) from reputation_due").query(Long.class).single()).isZero();
            String liveInputs = tx.sql(inputs).query(String.class).single();
            String liveSums = tx.sql(sums).query(String.class).single();
            assertThat(liveInputs).contains("attempt:", "claim:", "vote:", "job:", "earned:");
            tx.sql("select * from reputation_rebuild()").query().listOfRows();
            assertThat(tx.sql(inputs).query(String.class).single()).isEqualTo(liveInputs);
            assertThat(tx.sql(sums).query(String.class).single()).isEqualTo(liveSums);
            connection.commit();
        }
    }

    /** The decay exactly: an input of 10 points adds 5 after one half-life and 2.5 after two. */
    @Test
    void anInputHalvesEveryNinetyDays() {
        String at = "timestamptz '2027-03-04 05:06:07+00'";
        assertThat(jdbc.sql("select reputation_score(reputation_weight(10, " + at + "), " + at + " + interval '90 days')")
                .query(BigDecimal.class).single()).isEqualByComparingTo("55");
        assertThat(jdbc.sql("select reputation_score(reputation_weight(10, " + at + "), " + at + " + interval '180 days')")
                .query(BigDecimal.class).single()).isEqualByComparingTo("52.5");
        assertThat(jdbc.sql("select reputation_score(reputation_weight(-200, " + at + "), " + at + ")")
                .query(BigDecimal.class).single()).as("never below 0").isEqualByComparingTo("0");
    }

    private UUID claim(Agent claimant, long stake) {
        Answer submitted = post("/claims", claimant.key(),
                "{\"subject\":\"s\",\"statement\":\"t\",\"stake\":%d}".formatted(stake));
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID claim = UUID.fromString(submitted.json().get("claimId").asString());
        await().atMost(WAIT).until(() -> "OPEN".equals(claimStatus(claim)));
        return claim;
    }

    private void settle(UUID claim, Agent... verifiers) {
        for (Agent verifier : verifiers) {
            Answer vote = post("/claims/" + claim + "/verifications", verifier.key(), null);
            assertThat(vote.status()).as(vote.text()).isEqualTo(202);
            // one at a time: the reciprocity of each vote is judged on the votes before it
            await().atMost(WAIT).until(() -> "APPLIED".equals(status(vote.commandId())));
        }
        await().atMost(WAIT).until(() -> "VERIFIED".equals(claimStatus(claim)));
    }

    /** A job {@code submitter} submits at a high priority (ahead of other tests' jobs) and {@code executor} runs. */
    private void run(Agent submitter, Agent executor, String price, boolean succeeds) {
        Answer submitted = post("/jobs", submitter.key(),
                "{\"spec\":{\"run\":\"x\"},\"priority\":1000,\"maxAttempts\":1,\"price\":%s}".formatted(price));
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID job = UUID.fromString(submitted.json().get("jobId").asString());
        await().atMost(WAIT).until(() -> "QUEUED".equals(jobStatus(job)));
        Answer lease = post("/jobs/leases", executor.key(), null);
        assertThat(lease.status()).as(lease.text()).isEqualTo(202);
        await().atMost(WAIT).until(() -> "LEASED".equals(jobStatus(job)));
        long token = jdbc.sql("select fencing_token from jobs where id = ? and lessee = ?").param(job).param(executor.id())
                .query(Long.class).single();
        Answer end = succeeds
                ? post("/jobs/" + job + "/completion", executor.key(), "{\"fencingToken\":%d,\"result\":{}}".formatted(token))
                : post("/jobs/" + job + "/failure", executor.key(),
                        "{\"fencingToken\":%d,\"error\":\"boom\",\"retryable\":true}".formatted(token));
        assertThat(end.status()).as(end.text()).isEqualTo(202);
        await().atMost(WAIT).until(() -> (succeeds ? "SUCCEEDED" : "DEAD").equals(jobStatus(job)));
    }

    private JsonNode reputation(Agent agent) {
        Answer answer = get("/agents/" + agent.id() + "/reputation", agent.key());
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.json();
    }

    /** Raw points per kind of input. */
    private static Map<String, Double> kinds(JsonNode reputation) {
        Map<String, Double> kinds = new HashMap<>();
        reputation.get("breakdown").forEach(k -> kinds.put(k.get("kind").asString(), k.get("points").asDouble()));
        return kinds;
    }

    private static void add(Map<UUID, Double> expected, Agent agent, double points) {
        expected.merge(agent.id(), points, Double::sum);
    }

    private String status(UUID commandId) {
        return get("/commands/" + commandId, ADMIN).json().get("status").asString();
    }

    private long balance(UUID agent) {
        return jdbc.sql("select balance from accounts where agent_id = ?").param(agent).query(Long.class).optional()
                .orElse(-1L);
    }

    private String claimStatus(UUID claim) {
        return jdbc.sql("select status from claims where id = ?").param(claim).query(String.class).optional().orElse("");
    }

    private String jobStatus(UUID job) {
        return jdbc.sql("select status from jobs where id = ?").param(job).query(String.class).optional().orElse("");
    }
}
