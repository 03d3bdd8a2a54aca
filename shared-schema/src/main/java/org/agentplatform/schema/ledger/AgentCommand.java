package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.messaging.CommandTopic;
import org.agentplatform.schema.messaging.Topics;

/**
 * An agent's lifecycle. It travels with karma, keyed by the agent, so that a registration is ordered before the
 * agent's own movements and the grants to it.
 */
public sealed interface AgentCommand extends LedgerCommand permits RegisterAgent, SuspendAgent, ReactivateAgent {

    UUID agentId();

    @Override
    default CommandTopic topic() {
        return CommandTopic.KARMA;
    }

    @Override
    default String aggregateType() {
        return Topics.AGGREGATE_AGENT;
    }
}
