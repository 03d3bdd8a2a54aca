package org.agentplatform.ledger.karma;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.ledger.KarmaReserved;
import org.agentplatform.schema.ledger.LedgerEvent;
import org.agentplatform.schema.ledger.PendingPosted;
import org.agentplatform.schema.ledger.PendingVoided;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferPosted;
import org.agentplatform.schema.ledger.TransferStatus;
import org.jspecify.annotations.Nullable;

/** The result of asking the ledger to move or reserve karma. */
sealed interface Posting permits Posting.Recorded, Posting.Linked, Refused {

    /**
     * A transfer row to append, with the balances it found and left. {@code pendingId} names the PENDING row
     * a POSTED/VOIDED/EXPIRED row resolves; {@code expiresAt} and {@code controller} (who may resolve it) are
     * set on PENDING rows only; {@code memo} on a transfer whose payer gave one.
     */
    record Recorded(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                    TransferStatus status, @Nullable UUID pendingId, @Nullable Instant expiresAt,
                    @Nullable String controller,
                    long debitBalanceBefore, long debitBalanceAfter,
                    long creditBalanceBefore, long creditBalanceAfter,
                    long debitPendingAfter, @Nullable String memo) implements Posting {

        /** A row without a memo. */
        Recorded(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                 TransferStatus status, @Nullable UUID pendingId, @Nullable Instant expiresAt,
                 @Nullable String controller,
                 long debitBalanceBefore, long debitBalanceAfter, long creditBalanceBefore, long creditBalanceAfter,
                 long debitPendingAfter) {
            this(transferId, debitAccountId, creditAccountId, amount, kind, status, pendingId, expiresAt, controller,
                    debitBalanceBefore, debitBalanceAfter, creditBalanceBefore, creditBalanceAfter, debitPendingAfter,
                    null);
        }

        /** The event that publishes this row. */
        LedgerEvent event() {
            return switch (status) {
                case PENDING -> new KarmaReserved(transferId, debitAccountId, creditAccountId, amount, kind,
                        Objects.requireNonNull(expiresAt, "set on PENDING rows"), debitPendingAfter);
                case POSTED -> pendingId == null
                        ? new TransferPosted(transferId, debitAccountId, creditAccountId, amount, kind,
                                debitBalanceAfter, creditBalanceAfter, memo)
                        : new PendingPosted(transferId, pendingId, debitAccountId, creditAccountId, amount,
                                debitBalanceAfter, creditBalanceAfter);
                case VOIDED, EXPIRED -> new PendingVoided(transferId,
                        Objects.requireNonNull(pendingId, "a VOIDED or EXPIRED row resolves a PENDING one"),
                        debitAccountId, creditAccountId, amount, status);
            };
        }
    }

    /** Linked transfers that were all posted. */
    record Linked(List<Recorded> legs) implements Posting {
    }
}
