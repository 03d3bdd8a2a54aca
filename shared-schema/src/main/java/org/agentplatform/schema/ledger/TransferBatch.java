package org.agentplatform.schema.ledger;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.messaging.DerivedIds;

/**
 * Linked transfers: all legs are posted, in order, or none is (the command is rejected with the reason of
 * the first leg that fails). Leg {@code i} gets the transfer id {@link #legId(UUID, int)}, derived from the
 * command id, so the command id stays the one idempotency key.
 */
public record TransferBatch(List<Leg> transfers) implements KarmaCommand {

    public TransferBatch {
        transfers = List.copyOf(Objects.requireNonNull(transfers, "transfers"));
    }

    /** Keyed by the first debited account (an empty batch is rejected by the worker, not here). */
    @Override
    public String partitionKey() {
        return transfers.isEmpty() ? "" : transfers.get(0).debitAccountId().toString();
    }

    public static UUID legId(UUID commandId, int index) {
        return DerivedIds.of("leg", commandId, index);
    }

    public record Leg(UUID debitAccountId, UUID creditAccountId, long amount) {
        public Leg {
            Objects.requireNonNull(debitAccountId, "debitAccountId");
            Objects.requireNonNull(creditAccountId, "creditAccountId");
        }
    }
}
