package org.agentplatform.schema.jobs;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The escrow of a job reached its end: PAID to the executor, REFUNDED to the submitter, or STUCK. */
public record JobEscrowSettled(UUID jobId, EscrowStatus outcome, @Nullable UUID payee, long amount) implements JobEvent {
}
