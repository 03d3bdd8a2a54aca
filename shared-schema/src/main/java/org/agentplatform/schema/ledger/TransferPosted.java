package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;

/** A posted transfer with the balances it left behind; keyed by the debited account. */
public record TransferPosted(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount,
                             TransferKind kind, long debitBalanceAfter, long creditBalanceAfter) implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Topics.AGGREGATE_KARMA;
    }

    @Override
    public String aggregateId() {
        return debitAccountId.toString();
    }
}
