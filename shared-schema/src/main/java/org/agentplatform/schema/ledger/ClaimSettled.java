package org.agentplatform.schema.ledger;

import java.util.UUID;

/**
 * The quorum was reached. VERIFIED: {@code reward} paid from the treasury and the stake returned; REJECTED: the
 * stake ({@code slashed}) moved to the treasury. The transfers are published as their own events.
 */
public record ClaimSettled(UUID claimId, UUID claimantId, ClaimStatus status, long reward, long slashed)
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
