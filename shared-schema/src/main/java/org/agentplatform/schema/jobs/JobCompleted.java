package org.agentplatform.schema.jobs;

import java.util.UUID;

import tools.jackson.databind.JsonNode;

public record JobCompleted(UUID jobId, UUID executorId, long fencingToken, int attempt, JsonNode result)
        implements JobEvent {
}
