package org.agentplatform.schema.jobs;

import java.time.Instant;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * A lease, caused by the executor's {@link RequestLease}. Every later heartbeat, completion or failure
 * must carry {@code fencingToken}; a new lease of the same job always has a larger one.
 */
public record JobLeased(UUID jobId, UUID executorId, long fencingToken, int attempt, Instant leaseExpiresAt,
                        JsonNode spec) implements JobEvent {
}
