package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;

/**
 * A reservation was released without moving karma: on request ({@code status} VOIDED) or because its
 * timeout passed ({@code status} EXPIRED, written by the worker's sweeper).
 */
public record PendingVoided(UUID transferId, UUID pendingId, UUID debitAccountId, UUID creditAccountId, long amount,
                            TransferStatus status) implements LedgerEvent {

    @Override
    public String aggregateType() {
        return Topics.AGGREGATE_KARMA;
    }

    @Override
    public String aggregateId() {
        return debitAccountId.toString();
    }
}
