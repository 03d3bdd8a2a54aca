package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Phase two, cancelled: releases the reservation of a pending transfer. */
public record VoidPending(UUID pendingId) implements LedgerCommand {

    public VoidPending {
        Objects.requireNonNull(pendingId, "pendingId");
    }

    @Override
    public String partitionKey() {
        return pendingId.toString();
    }
}
