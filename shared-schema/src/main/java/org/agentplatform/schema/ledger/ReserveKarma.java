package org.agentplatform.schema.ledger;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Phase one of a two-phase transfer: reserves {@code amount} (pending debit and credit) until it is posted,
 * voided, or {@code expiresAt} passes and the worker voids it. The command id becomes the pending
 * transfer's id, which {@link PostPending} and {@link VoidPending} name.
 */
public record ReserveKarma(UUID debitAccountId, UUID creditAccountId, long amount, Instant expiresAt)
        implements KarmaCommand {

    public ReserveKarma {
        Objects.requireNonNull(debitAccountId, "debitAccountId");
        Objects.requireNonNull(creditAccountId, "creditAccountId");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    @Override
    public String partitionKey() {
        return debitAccountId.toString();
    }
}
