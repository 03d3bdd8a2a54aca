package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.ledger.ClaimStatus;
import org.junit.jupiter.api.Test;

class ClaimTest {

    private final UUID claimant = UUID.randomUUID();

    private Claim open(int quorum) {
        return new Claim(UUID.randomUUID(), claimant, 0, null, quorum, ClaimStatus.OPEN, 0, 0, Set.of(), false);
    }

    @Test
    void aClaimNeedsASubjectOfOneTo500CharactersAndAStakeThatIsNotNegative() {
        assertThat(Claim.refusesSubmission("the sky is blue", 0)).isEmpty();
        assertThat(Claim.refusesSubmission("s".repeat(500), 10)).isEmpty();
        assertThat(Claim.refusesSubmission(" ", 10))
                .hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Claim.SUBJECT_INVALID));
        assertThat(Claim.refusesSubmission("s".repeat(501), 10))
                .hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Claim.SUBJECT_INVALID));
        assertThat(Claim.refusesSubmission("the sky is blue", -1))
                .hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Ledger.AMOUNT_NOT_POSITIVE));
    }

    @Test
    void theClaimantCannotVoteAndNobodyVotesTwice() {
        Claim claim = open(2);
        UUID voter = UUID.randomUUID();
        assertThat(claim.vote(claimant, true)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Claim.SELF_VERIFICATION));
        assertThat(claim.vote(voter, true)).isEmpty();
        assertThat(claim.vote(voter, false)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Claim.DOUBLE_VOTE));
        assertThat(claim.verifications()).isEqualTo(1);
        assertThat(claim.disputes()).isZero();
        assertThat(claim.status()).isEqualTo(ClaimStatus.OPEN);
    }

    @Test
    void theFirstSideToReachTheQuorumSettlesIt() {
        Claim claim = open(2);
        claim.vote(UUID.randomUUID(), true);
        claim.vote(UUID.randomUUID(), false);
        assertThat(claim.status()).isEqualTo(ClaimStatus.OPEN);
        claim.vote(UUID.randomUUID(), false);
        assertThat(claim.status()).isEqualTo(ClaimStatus.REJECTED);
        assertThat(claim.vote(UUID.randomUUID(), true)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Claim.CLAIM_SETTLED));

        Claim single = open(1);
        single.vote(UUID.randomUUID(), true);
        assertThat(single.status()).isEqualTo(ClaimStatus.VERIFIED);
    }
}
