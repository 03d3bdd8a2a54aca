package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Phase two: moves the reserved amount of a pending transfer. The command id becomes the posting's id. */
public record PostPending(UUID pendingId) implements LedgerCommand {

    public PostPending {
        Objects.requireNonNull(pendingId, "pendingId");
    }

    /**
     * Keyed by the pending transfer: the producer knows only its id. Send it after the reservation's outcome;
     * one that overtakes its reservation is rejected as PENDING_NOT_FOUND.
     */
    @Override
    public String partitionKey() {
        return pendingId.toString();
    }
}
