package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.ledger.VoidPending;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Claims with stakes, votes and a quorum of two, through the real broker and database. */
@SpringBootTest(classes = LedgerWorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"spring.config.name=ledger-worker", "platform.consumer.delete-outbox-rows=false",
                "platform.ledger.claims.quorum=2", "platform.ledger.claims.reward=10"})
@DirtiesContext
class ClaimsIntegrationTest {

    static final TestEnvironment env = TestServers.newEnvironment();
    static LedgerTestClient client;

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @BeforeAll
    static void connect() {
        client = new LedgerTestClient(env);
    }

    @AfterAll
    static void disconnect() {
        client.close();
    }

    @Test
    void aVerifiedClaimReturnsTheStakeAndPaysTheReward() {
        UUID claimant = fundedAgent("claimant-v", 100);
        UUID v1 = agent("verifier-v1");
        UUID v2 = agent("verifier-v2");
        UUID claim = UUID.randomUUID();
        awaitOutcome(client.send(new SubmitClaim(claim, claimant, "the sky is blue", "observed at noon",
                Map.of("photos", List.of("a.jpg")), 30)), "APPLIED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", claimant))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 30L);
        assertThat(jdbc.queryForObject("select evidence->'photos'->>0 from claims where id = ?", String.class, claim))
                .isEqualTo("a.jpg");

        assertRejected(client.send(new VerifyClaim(claim, claimant)), "SELF_VERIFICATION");
        awaitOutcome(client.send(new VerifyClaim(claim, v1)), "APPLIED");
        assertRejected(client.send(new DisputeClaim(claim, v1)), "DOUBLE_VOTE");
        assertThat(status(claim)).isEqualTo("OPEN");
        awaitOutcome(client.send(new VerifyClaim(claim, v2)), "APPLIED");

        assertThat(status(claim)).isEqualTo("VERIFIED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", claimant))
                .containsEntry("balance", 110L).containsEntry("pending_debits", 0L);
        assertThat(jdbc.queryForList("select status from claim_status_history where claim_id = ? order by changed_at, status desc",
                String.class, claim)).containsExactly("OPEN", "VERIFIED");
        assertRejected(client.send(new DisputeClaim(claim, agent("late-voter"))), "CLAIM_SETTLED");
        LedgerInvariants.assertHold(jdbc);
    }

    @Test
    void aRejectedClaimSlashesTheStakeToTheTreasury() {
        UUID claimant = fundedAgent("claimant-r", 100);
        UUID d1 = agent("disputer-1");
        UUID d2 = agent("disputer-2");
        UUID claim = UUID.randomUUID();
        awaitOutcome(client.send(new SubmitClaim(claim, claimant, "water is dry", "trust me", Map.of(), 40)), "APPLIED");
        UUID stake = jdbc.queryForObject("select stake_pending_id from claims where id = ?", UUID.class, claim);
        // The stake is the claim's: the claimant cannot take it back, nor anyone post it, behind the claim's back.
        assertRejected(client.send(new VoidPending(stake)), "PENDING_HELD_BY_CLAIM");
        assertRejected(client.send(new PostPending(stake)), "PENDING_HELD_BY_CLAIM");
        long treasuryBefore = balance(Accounts.TREASURY);

        awaitOutcome(client.send(new DisputeClaim(claim, d1)), "APPLIED");
        awaitOutcome(client.send(new SuspendAgent(claimant)), "APPLIED"); // a suspension does not save the stake
        awaitOutcome(client.send(new DisputeClaim(claim, d2)), "APPLIED");

        assertThat(status(claim)).isEqualTo("REJECTED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", claimant))
                .containsEntry("balance", 60L).containsEntry("pending_debits", 0L);
        assertThat(balance(Accounts.TREASURY)).isEqualTo(treasuryBefore + 40);
        assertThat(jdbc.queryForObject("select kind from transfers where pending_id = ?", String.class, stake)).isEqualTo("SLASH");
        assertThat(jdbc.queryForObject("select payload->'payload'->>'slashed' from outbox where event_type = 'ClaimSettled' "
                + "and aggregate_id = ?", String.class, claim.toString())).isEqualTo("40");
        LedgerInvariants.assertHold(jdbc);
    }

    @Test
    void refusesClaimsItCannotBack() {
        UUID poor = fundedAgent("claimant-poor", 5);
        UUID claim = UUID.randomUUID();
        assertRejected(client.send(new SubmitClaim(claim, poor, "s", "t", Map.of(), 6)), "INSUFFICIENT_FUNDS");
        assertRejected(client.send(new SubmitClaim(UUID.randomUUID(), UUID.randomUUID(), "s", "t", Map.of(), 0)),
                "UNKNOWN_AGENT");
        assertRejected(client.send(new VerifyClaim(UUID.randomUUID(), poor)), "CLAIM_NOT_FOUND");
        UUID free = UUID.randomUUID();
        awaitOutcome(client.send(new SubmitClaim(free, poor, "no stake", "t", Map.of(), 0)), "APPLIED");
        assertRejected(client.send(new SubmitClaim(free, poor, "again", "t", Map.of(), 0)), "CLAIM_EXISTS");
        assertThat(jdbc.queryForObject("select stake_pending_id from claims where id = ?", UUID.class, free)).isNull();
    }

    private UUID agent(String name) {
        UUID id = client.registerAgent(name);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                jdbc.queryForObject("select count(*) from accounts where id = ?", Long.class, id) == 1);
        return id;
    }

    private UUID fundedAgent(String name, long karma) {
        UUID id = agent(name);
        awaitOutcome(client.send(new GrantKarma(id, karma)), "APPLIED");
        return id;
    }

    private String status(UUID claim) {
        return jdbc.queryForObject("select status from claims where id = ?", String.class, claim);
    }

    private void assertRejected(UUID commandId, String reason) {
        awaitOutcome(commandId, "REJECTED");
        assertThat(jdbc.queryForObject("select reason from processed_commands where command_id = ?", String.class, commandId))
                .isEqualTo(reason);
    }

    private void awaitOutcome(UUID commandId, String outcome) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                jdbc.queryForList("select outcome from processed_commands where command_id = ?", String.class, commandId))
                .containsExactly(outcome));
    }

    private long balance(UUID account) {
        return jdbc.queryForObject("select balance from accounts where id = ?", Long.class, account);
    }
}
