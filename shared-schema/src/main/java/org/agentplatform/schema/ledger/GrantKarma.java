package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Admin command: karma from the treasury to an account. The command id becomes the transfer id. */
public record GrantKarma(UUID accountId, long amount) implements KarmaCommand {

    public GrantKarma {
        Objects.requireNonNull(accountId, "accountId");
    }

    /**
     * Keyed by the credited agent, not the treasury: the grant is then ordered after the agent's registration
     * (same key, same topic). The treasury may go negative, so no grant waits on another.
     */
    @Override
    public String partitionKey() {
        return accountId.toString();
    }
}
