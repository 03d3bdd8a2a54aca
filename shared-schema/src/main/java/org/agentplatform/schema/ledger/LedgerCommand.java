package org.agentplatform.schema.ledger;

import org.agentplatform.schema.messaging.Command;

/**
 * Commands applied by the ledger worker: agents, karma and claims (claims move karma in the same transaction).
 * Each belongs to exactly one of the three families, which says its topic and the aggregate its rejection names.
 */
public sealed interface LedgerCommand extends Command permits AgentCommand, KarmaCommand, ClaimCommand {
}
