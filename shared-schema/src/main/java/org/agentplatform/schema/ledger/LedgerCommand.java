package org.agentplatform.schema.ledger;

import org.agentplatform.schema.messaging.Command;

/** Commands applied by the ledger worker: agents, karma and claims (claims move karma in the same transaction). */
public sealed interface LedgerCommand extends Command permits RegisterAgent, SuspendAgent, ReactivateAgent,
        GrantKarma, TransferKarma, TransferBatch, ReserveKarma, PostPending, VoidPending,
        SubmitClaim, VerifyClaim, DisputeClaim {
}
