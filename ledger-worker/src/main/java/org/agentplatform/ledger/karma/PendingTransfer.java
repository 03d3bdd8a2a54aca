package org.agentplatform.ledger.karma;

import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferStatus;

/**
 * A PENDING transfer row as locked for a batch, with how it was resolved ({@code null} while it holds its
 * reservation).
 */
record PendingTransfer(UUID id, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                       Instant expiresAt, TransferStatus resolution) {

    PendingTransfer resolvedAs(TransferStatus status) {
        return new PendingTransfer(id, debitAccountId, creditAccountId, amount, kind, expiresAt, status);
    }

    boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
