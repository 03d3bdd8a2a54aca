package org.agentplatform.schema.jobs;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** An attempt failed; {@code next} is QUEUED (retry at {@code retryAt}), FAILED or DEAD. */
public record JobFailed(UUID jobId, UUID executorId, long fencingToken, int attempt, String error, boolean retryable,
                        JobStatus next, @Nullable Instant retryAt) implements JobEvent {
}
