package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Phase two, cancelled: releases the reservation of a pending transfer. */
public record VoidPending(UUID pendingId) implements KarmaCommand {

    public VoidPending {
        Objects.requireNonNull(pendingId, "pendingId");
    }

    /** Keyed by the pending transfer; one that overtakes its reservation waits for it, as a {@link PostPending}. */
    @Override
    public String partitionKey() {
        return pendingId.toString();
    }
}
