package org.agentplatform.schema.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

public record JobSubmitted(UUID jobId, UUID submitterId, int priority, int maxAttempts, Duration leaseTimeout,
                           Long price, Instant runAt) implements JobEvent {
}
