package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;

public record AgentReactivated(UUID agentId) implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Topics.AGGREGATE_AGENT;
    }

    @Override
    public String aggregateId() {
        return agentId.toString();
    }
}
