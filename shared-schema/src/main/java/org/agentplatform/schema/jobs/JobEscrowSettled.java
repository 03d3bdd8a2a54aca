package org.agentplatform.schema.jobs;

import java.util.UUID;

/** The escrow of a job reached its end: PAID to the executor, REFUNDED to the submitter, or STUCK. */
public record JobEscrowSettled(UUID jobId, EscrowStatus outcome, UUID payee, long amount) implements JobEvent {
}
