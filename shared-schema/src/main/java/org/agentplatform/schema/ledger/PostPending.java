package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

/** Phase two: moves the reserved amount of a pending transfer. The command id becomes the posting's id. */
public record PostPending(UUID pendingId) implements KarmaCommand {

    public PostPending {
        Objects.requireNonNull(pendingId, "pendingId");
    }

    /**
     * Keyed by the pending transfer: the producer knows only its id. The reservation travels on another key, so
     * this may overtake it: then it waits for it (recorded DEFERRED, reason AWAITING_RESERVATION) and is applied
     * right after it, or rejected PENDING_NOT_FOUND if no reservation with that id arrives within the ledger's
     * deadline ({@code platform.ledger.parked-resolutions.deadline}, 60 s by default). Its final outcome comes
     * within that deadline either way; a producer needs no special order.
     */
    @Override
    public String partitionKey() {
        return pendingId.toString();
    }
}
