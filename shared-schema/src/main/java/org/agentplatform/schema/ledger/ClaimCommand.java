package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.messaging.CommandTopic;

/** A claim's submission and the votes on it, keyed by the claim; applied with the stakes they move. */
public sealed interface ClaimCommand extends LedgerCommand permits SubmitClaim, VerifyClaim, DisputeClaim {

    UUID claimId();

    @Override
    default CommandTopic topic() {
        return CommandTopic.CLAIMS;
    }

    @Override
    default String aggregateType() {
        return Claims.AGGREGATE;
    }
}
