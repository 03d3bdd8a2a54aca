package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.ledger.VoidPending;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** Claims with stakes, votes and a quorum of two, through the real broker and database. */
@TestPropertySource(properties = {"platform.ledger.claims.quorum=2", "platform.ledger.claims.reward=10"})
class ClaimsIntegrationTest extends AbstractLedgerIntegrationTest {

    @Test
    void aVerifiedClaimReturnsTheStakeAndPaysTheReward() {
        UUID claimant = probe().fundedAgent("claimant-v", 100);
        UUID v1 = probe().agent("verifier-v1");
        UUID v2 = probe().agent("verifier-v2");
        UUID claim = UUID.randomUUID();
        probe().awaitOutcome(client.send(new SubmitClaim(claim, claimant, "the sky is blue", "observed at noon",
                Map.of("photos", List.of("a.jpg")), 30)), "APPLIED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", claimant))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 30L);
        assertThat(jdbc.queryForObject("select evidence->'photos'->>0 from claims where id = ?", String.class, claim))
                .isEqualTo("a.jpg");

        probe().assertRejected(client.send(new VerifyClaim(claim, claimant)), "SELF_VERIFICATION");
        probe().awaitOutcome(client.send(new VerifyClaim(claim, v1)), "APPLIED");
        probe().assertRejected(client.send(new DisputeClaim(claim, v1)), "DOUBLE_VOTE");
        assertThat(status(claim)).isEqualTo("OPEN");
        probe().awaitOutcome(client.send(new VerifyClaim(claim, v2)), "APPLIED");

        assertThat(status(claim)).isEqualTo("VERIFIED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", claimant))
                .containsEntry("balance", 110L).containsEntry("pending_debits", 0L);
        assertThat(jdbc.queryForList("select status from claim_status_history where claim_id = ? order by changed_at, status desc",
                String.class, claim)).containsExactly("OPEN", "VERIFIED");
        probe().assertRejected(client.send(new DisputeClaim(claim, probe().agent("late-voter"))), "CLAIM_SETTLED");
        assertInvariants();
    }

    @Test
    void aRejectedClaimSlashesTheStakeToTheTreasury() {
        UUID claimant = probe().fundedAgent("claimant-r", 100);
        UUID d1 = probe().agent("disputer-1");
        UUID d2 = probe().agent("disputer-2");
        UUID claim = UUID.randomUUID();
        probe().awaitOutcome(client.send(new SubmitClaim(claim, claimant, "water is dry", "trust me", Map.of(), 40)), "APPLIED");
        UUID stake = jdbc.queryForObject("select stake_pending_id from claims where id = ?", UUID.class, claim);
        // The stake is the claim's: the claimant cannot take it back, nor anyone (not even a service calling itself
        // the stakes' controller) post it, behind the claim's back.
        assertThat(jdbc.queryForObject("select controller from transfers where id = ?", String.class, stake))
                .isEqualTo(ClaimBook.STAKE_CONTROLLER);
        probe().assertRejected(client.send(new VoidPending(stake), claimant.toString()), CommandPolicy.FORBIDDEN);
        probe().assertRejected(client.send(new PostPending(stake)), CommandPolicy.FORBIDDEN);
        probe().assertRejected(client.send(new PostPending(stake), ClaimBook.STAKE_CONTROLLER), CommandPolicy.FORBIDDEN);
        long treasuryBefore = probe().balance(Accounts.TREASURY);

        probe().awaitOutcome(client.send(new DisputeClaim(claim, d1)), "APPLIED");
        probe().awaitOutcome(client.send(new SuspendAgent(claimant)), "APPLIED"); // a suspension does not save the stake
        probe().awaitOutcome(client.send(new DisputeClaim(claim, d2)), "APPLIED");

        assertThat(status(claim)).isEqualTo("REJECTED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", claimant))
                .containsEntry("balance", 60L).containsEntry("pending_debits", 0L);
        assertThat(probe().balance(Accounts.TREASURY)).isEqualTo(treasuryBefore + 40);
        assertThat(jdbc.queryForObject("select kind from transfers where pending_id = ?", String.class, stake)).isEqualTo("SLASH");
        assertThat(jdbc.queryForObject("select payload->'payload'->>'slashed' from outbox where event_type = 'ClaimSettled' "
                + "and aggregate_id = ?", String.class, claim.toString())).isEqualTo("40");
        assertInvariants();
    }

    @Test
    void refusesClaimsItCannotBack() {
        UUID poor = probe().fundedAgent("claimant-poor", 5);
        UUID claim = UUID.randomUUID();
        probe().assertRejected(client.send(new SubmitClaim(claim, poor, "s", "t", Map.of(), 6)), "INSUFFICIENT_FUNDS");
        probe().assertRejected(client.send(new SubmitClaim(UUID.randomUUID(), UUID.randomUUID(), "s", "t", Map.of(), 0)),
                "UNKNOWN_AGENT");
        probe().assertRejected(client.send(new VerifyClaim(UUID.randomUUID(), poor)), "CLAIM_NOT_FOUND");
        UUID free = UUID.randomUUID();
        probe().awaitOutcome(client.send(new SubmitClaim(free, poor, "no stake", "t", Map.of(), 0)), "APPLIED");
        probe().assertRejected(client.send(new SubmitClaim(free, poor, "again", "t", Map.of(), 0)), "CLAIM_EXISTS");
        assertThat(jdbc.queryForObject("select stake_pending_id from claims where id = ?", UUID.class, free)).isNull();
    }

    private String status(UUID claim) {
        return jdbc.queryForObject("select status from claims where id = ?", String.class, claim);
    }
}
