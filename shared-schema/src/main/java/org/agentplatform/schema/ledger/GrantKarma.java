package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Admin command: karma from the treasury to an account. The command id becomes the transfer id. */
public record GrantKarma(UUID accountId, long amount) implements LedgerCommand {

    public GrantKarma {
        Objects.requireNonNull(accountId, "accountId");
    }

    /** Keyed by the debited account, like every karma movement: here the treasury. */
    @Override
    public String partitionKey() {
        return Accounts.TREASURY.toString();
    }
}
