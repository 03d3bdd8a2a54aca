package org.agentplatform.schema.ledger;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Linked transfers: all legs are posted, in order, or none is (the command is rejected with the reason of
 * the first leg that fails). Leg {@code i} gets the transfer id {@link #legId(UUID, int)}, derived from the
 * command id, so the command id stays the one idempotency key.
 */
public record TransferBatch(List<Leg> transfers) implements LedgerCommand {

    public TransferBatch {
        transfers = List.copyOf(Objects.requireNonNull(transfers, "transfers"));
    }

    /** Keyed by the first debited account (an empty batch is rejected by the worker, not here). */
    @Override
    public String partitionKey() {
        return transfers.isEmpty() ? "" : transfers.get(0).debitAccountId().toString();
    }

    public static UUID legId(UUID commandId, int index) {
        return UUID.nameUUIDFromBytes(("leg:" + commandId + ":" + index).getBytes(StandardCharsets.UTF_8));
    }

    public record Leg(UUID debitAccountId, UUID creditAccountId, long amount) {
        public Leg {
            Objects.requireNonNull(debitAccountId, "debitAccountId");
            Objects.requireNonNull(creditAccountId, "creditAccountId");
        }
    }
}
