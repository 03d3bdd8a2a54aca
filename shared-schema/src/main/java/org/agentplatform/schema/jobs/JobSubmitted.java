package org.agentplatform.schema.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

public record JobSubmitted(UUID jobId, UUID submitterId, int priority, int maxAttempts, Duration leaseTimeout,
                           @Nullable Long price, Instant runAt) implements JobEvent {
}
