package org.agentplatform.schema.ledger;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.admission.Text;

/**
 * An agent's claim, open to verification by other agents. A positive {@code stake} is reserved from the
 * claimant's account (a pending transfer) until the claim settles: returned if verified, slashed to the
 * treasury if rejected. {@code evidence} is free-form JSON.
 */
public record SubmitClaim(UUID claimId, UUID claimantId, @Text(min = 1, max = 500) String subject,
                          @Text(max = 10_000) String statement, Map<String, Object> evidence,
                          long stake) implements ClaimCommand {

    public SubmitClaim {
        Objects.requireNonNull(claimId, "claimId");
        Objects.requireNonNull(claimantId, "claimantId");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(statement, "statement");
        evidence = evidence == null ? Map.of() : evidence;
    }

    /** Claims are keyed by claim id. */
    @Override
    public String partitionKey() {
        return claimId.toString();
    }
}
