package org.agentplatform.schema.ledger;

import java.util.UUID;

/** A vote, with the tallies after it. */
public record ClaimVoted(UUID claimId, UUID verifierId, boolean verified, int verifications, int disputes)
        implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Claims.AGGREGATE;
    }

    @Override
    public String aggregateId() {
        return claimId.toString();
    }
}
