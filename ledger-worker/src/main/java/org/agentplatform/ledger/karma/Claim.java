package org.agentplatform.ledger.karma;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.ledger.ClaimStatus;
import org.jspecify.annotations.Nullable;

/** A claim as locked for one batch, with the voting rules: not the claimant, one vote each, a quorum settles. */
final class Claim {

    static final String CLAIM_NOT_FOUND = "CLAIM_NOT_FOUND";
    static final String CLAIM_EXISTS = "CLAIM_EXISTS";
    static final String CLAIM_SETTLED = "CLAIM_SETTLED";
    static final String SELF_VERIFICATION = "SELF_VERIFICATION";
    static final String DOUBLE_VOTE = "DOUBLE_VOTE";
    static final String SUBJECT_INVALID = "SUBJECT_INVALID";
    static final int MAX_SUBJECT_LENGTH = 500;

    private final UUID id;
    private final UUID claimantId;
    private final long stake;
    private final @Nullable UUID stakePendingId;
    private final int quorum;
    private final boolean isNew;
    private final Set<UUID> voters;
    private ClaimStatus status;
    private int verifications;
    private int disputes;
    private boolean changed;

    Claim(UUID id, UUID claimantId, long stake, @Nullable UUID stakePendingId, int quorum, ClaimStatus status,
          int verifications, int disputes, Set<UUID> voters, boolean isNew) {
        this.id = id;
        this.claimantId = claimantId;
        this.stake = stake;
        this.stakePendingId = stakePendingId;
        this.quorum = quorum;
        this.status = status;
        this.verifications = verifications;
        this.disputes = disputes;
        this.voters = new HashSet<>(voters);
        this.isNew = isNew;
    }

    /**
     * What a new claim must be: a subject of 1 to 500 characters, and a stake that is not negative (zero stakes
     * nothing). The edge admits the same; this holds for commands that did not come through it.
     */
    static Optional<Refused> refusesSubmission(String subject, long stake) {
        if (subject.isBlank() || subject.length() > MAX_SUBJECT_LENGTH) {
            return Optional.of(new Refused(SUBJECT_INVALID, "subject must have 1 to " + MAX_SUBJECT_LENGTH
                    + " characters"));
        }
        if (stake < 0) {
            return Optional.of(new Refused(Ledger.AMOUNT_NOT_POSITIVE, "stake must not be negative, was " + stake));
        }
        return Optional.empty();
    }

    /** Records a vote; settles the claim when one side reaches the quorum. */
    Optional<Refused> vote(UUID voterId, boolean verified) {
        if (status != ClaimStatus.OPEN) {
            return Optional.of(new Refused(CLAIM_SETTLED, "claim " + id + " is " + status));
        }
        if (voterId.equals(claimantId)) {
            return Optional.of(new Refused(SELF_VERIFICATION, "the claimant cannot vote on its own claim"));
        }
        if (!voters.add(voterId)) {
            return Optional.of(new Refused(DOUBLE_VOTE, "agent " + voterId + " already voted on claim " + id));
        }
        if (verified) {
            verifications++;
        } else {
            disputes++;
        }
        if (verifications >= quorum) {
            status = ClaimStatus.VERIFIED;
        } else if (disputes >= quorum) {
            status = ClaimStatus.REJECTED;
        }
        changed = true;
        return Optional.empty();
    }

    UUID id() {
        return id;
    }

    UUID claimantId() {
        return claimantId;
    }

    long stake() {
        return stake;
    }

    @Nullable UUID stakePendingId() {
        return stakePendingId;
    }

    int quorum() {
        return quorum;
    }

    ClaimStatus status() {
        return status;
    }

    int verifications() {
        return verifications;
    }

    int disputes() {
        return disputes;
    }

    boolean isNew() {
        return isNew;
    }

    boolean changed() {
        return changed;
    }
}
