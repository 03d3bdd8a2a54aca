package org.agentplatform.schema.ledger;

import org.agentplatform.schema.messaging.CommandTopic;
import org.agentplatform.schema.messaging.Topics;

/** Karma moved between accounts: at once, linked, or in two phases (reserve, then post or void). */
public sealed interface KarmaCommand extends LedgerCommand
        permits GrantKarma, TransferKarma, TransferBatch, ReserveKarma, PostPending, VoidPending {

    @Override
    default CommandTopic topic() {
        return CommandTopic.KARMA;
    }

    @Override
    default String aggregateType() {
        return Topics.AGGREGATE_KARMA;
    }
}
