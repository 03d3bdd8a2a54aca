package org.agentplatform.schema.jobs;

import java.util.UUID;

/** The price is reserved from the submitter (pending transfer {@code pendingId}); the job is now runnable. */
public record JobEscrowHeld(UUID jobId, UUID pendingId, long amount) implements JobEvent {
}
