package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Admin command: the agent's account can no longer be debited until the agent is reactivated. */
public record SuspendAgent(UUID agentId) implements AgentCommand {

    public SuspendAgent {
        Objects.requireNonNull(agentId, "agentId");
    }

    /** Keyed like the agent's own debits, so the suspension is ordered with them. */
    @Override
    public String partitionKey() {
        return agentId.toString();
    }
}
