package org.agentplatform.schema.ledger;

import org.agentplatform.schema.messaging.Command;

/** Commands applied by the ledger worker: agents and karma. */
public sealed interface LedgerCommand extends Command permits RegisterAgent, GrantKarma, TransferKarma {
}
