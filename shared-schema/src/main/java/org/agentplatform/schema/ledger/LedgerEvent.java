package org.agentplatform.schema.ledger;

import org.agentplatform.schema.messaging.Event;

/** Facts published by the ledger worker. */
public sealed interface LedgerEvent extends Event permits AgentRegistered, AgentSuspended, AgentReactivated,
        TransferPosted, KarmaReserved, PendingPosted, PendingVoided,
        ClaimSubmitted, ClaimVoted, ClaimSettled {
}
