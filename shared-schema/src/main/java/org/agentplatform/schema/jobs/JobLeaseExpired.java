package org.agentplatform.schema.jobs;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The rescuer took back a lease nobody renewed; {@code next} is QUEUED (retry at {@code retryAt}) or DEAD. */
public record JobLeaseExpired(UUID jobId, UUID executorId, long fencingToken, int attempt, JobStatus next,
                              @Nullable Instant retryAt) implements JobEvent {
}
