package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Karma from one account to another. The command id becomes the transfer id. */
public record TransferKarma(UUID debitAccountId, UUID creditAccountId, long amount) implements KarmaCommand {

    public TransferKarma {
        Objects.requireNonNull(debitAccountId, "debitAccountId");
        Objects.requireNonNull(creditAccountId, "creditAccountId");
    }

    @Override
    public String partitionKey() {
        return debitAccountId.toString();
    }
}
