package org.agentplatform.schema.ledger;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** {@code stakePendingId} is the pending transfer holding the stake ({@code null} without a stake). */
public record ClaimSubmitted(UUID claimId, UUID claimantId, String subject, long stake, @Nullable UUID stakePendingId,
                             int quorum) implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Claims.AGGREGATE;
    }

    @Override
    public String aggregateId() {
        return claimId.toString();
    }
}
