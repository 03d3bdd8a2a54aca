package org.agentplatform.schema.ledger;

import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;

/** A pending transfer: funds reserved until {@code expiresAt}; keyed by the debited account. */
public record KarmaReserved(UUID pendingId, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                            Instant expiresAt, long debitPendingAfter) implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Topics.AGGREGATE_KARMA;
    }

    @Override
    public String aggregateId() {
        return debitAccountId.toString();
    }
}
