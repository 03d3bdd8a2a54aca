package org.agentplatform.ledger.karma;

import java.time.Instant;
import java.util.Collection;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferStatus;
import org.jspecify.annotations.Nullable;

/**
 * A PENDING transfer row as locked for a batch, with how it was resolved ({@code null} while it holds its
 * reservation). {@code controller} is the issuer that made it and alone may post or void it.
 */
record PendingTransfer(UUID id, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                       Instant expiresAt, String controller, @Nullable TransferStatus resolution) {

    /** Both accounts of each, added to {@code into}: a sweep or batch locks them before it resolves any. */
    static TreeSet<UUID> accountsOf(Collection<PendingTransfer> pendings, TreeSet<UUID> into) {
        pendings.forEach(p -> {
            into.add(p.debitAccountId());
            into.add(p.creditAccountId());
        });
        return into;
    }

    PendingTransfer resolvedAs(TransferStatus status) {
        return new PendingTransfer(id, debitAccountId, creditAccountId, amount, kind, expiresAt, controller, status);
    }

    /**
     * Made by someone other than the debited agent (an escrow hold, a claim's stake): the payer agreed to it
     * when it was made, so posting it is not the payer's own spending.
     */
    boolean systemControlled() {
        return !debitAccountId.toString().equals(controller);
    }

    /**
     * An escrow hold never expires on its own: the job worker settles it (pays or refunds) when the job ends,
     * however long the job takes. Holds made before they were held until the end of time still carry the old
     * 30-day expiry, which must not strand a running job's price.
     */
    boolean expiredAt(Instant now) {
        return !JobEscrow.ACCOUNT.equals(creditAccountId) && !now.isBefore(expiresAt);
    }
}
