package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Admin command: a new agent and its karma account (same id). */
public record RegisterAgent(UUID agentId, String name) implements LedgerCommand {

    public RegisterAgent {
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String partitionKey() {
        return agentId.toString();
    }
}
