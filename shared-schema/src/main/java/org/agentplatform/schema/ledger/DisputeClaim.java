package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** A vote that the claim does not hold. Not by the claimant; one vote per agent and claim. */
public record DisputeClaim(UUID claimId, UUID verifierId) implements ClaimCommand {

    public DisputeClaim {
        Objects.requireNonNull(claimId, "claimId");
        Objects.requireNonNull(verifierId, "verifierId");
    }

    @Override
    public String partitionKey() {
        return claimId.toString();
    }
}
