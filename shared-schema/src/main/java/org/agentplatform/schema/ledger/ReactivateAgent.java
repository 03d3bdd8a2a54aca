package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Admin command: lifts a suspension. */
public record ReactivateAgent(UUID agentId) implements AgentCommand {

    public ReactivateAgent {
        Objects.requireNonNull(agentId, "agentId");
    }

    @Override
    public String partitionKey() {
        return agentId.toString();
    }
}
