package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;

/** A pending transfer was posted: the reserved amount moved. {@code transferId} is the posting row. */
public record PendingPosted(UUID transferId, UUID pendingId, UUID debitAccountId, UUID creditAccountId, long amount,
                            long debitBalanceAfter, long creditBalanceAfter) implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Topics.AGGREGATE_KARMA;
    }

    @Override
    public String aggregateId() {
        return debitAccountId.toString();
    }
}
