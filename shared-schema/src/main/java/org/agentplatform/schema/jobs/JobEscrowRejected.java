package org.agentplatform.schema.jobs;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The ledger refused to reserve the price (the submitter cannot pay): the job is REJECTED and never runs. */
public record JobEscrowRejected(UUID jobId, String reason, @Nullable String detail) implements JobEvent {
}
