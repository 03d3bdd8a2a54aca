package org.agentplatform.schema.jobs;

import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * A new job. {@code leaseTimeout} is how long a lease lasts without a heartbeat; {@code priority}: higher
 * runs first; {@code price}: optional karma paid to the executor through escrow (null when free).
 */
public record SubmitJob(UUID jobId, UUID submitterId, JsonNode spec, int priority, int maxAttempts,
                        Duration leaseTimeout, @Nullable Long price) implements JobCommand {

    public SubmitJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(submitterId, "submitterId");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(leaseTimeout, "leaseTimeout");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1");
        }
        if (leaseTimeout.isNegative() || leaseTimeout.isZero()) {
            throw new IllegalArgumentException("leaseTimeout must be positive");
        }
        if (price != null && price <= 0) {
            throw new IllegalArgumentException("price must be positive when set");
        }
    }

    @Override
    public String partitionKey() {
        return jobId.toString();
    }
}
