package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.admission.Text;

/** Admin command: a new agent and its karma account (same id). */
public record RegisterAgent(UUID agentId, @Text(min = 1, max = 200) String name) implements AgentCommand {

    public RegisterAgent {
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(name, "name");
    }

    @Override
    public String partitionKey() {
        return agentId.toString();
    }
}
