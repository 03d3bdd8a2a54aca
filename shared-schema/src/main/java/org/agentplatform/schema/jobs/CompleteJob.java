package org.agentplatform.schema.jobs;

import java.util.Objects;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/** The executor holding the current lease finished the job; a stale token is rejected STALE_LEASE. */
public record CompleteJob(UUID jobId, UUID executorId, long fencingToken, JsonNode result) implements JobCommand {

    public CompleteJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(executorId, "executorId");
        Objects.requireNonNull(result, "result");
    }

    @Override
    public String partitionKey() {
        return jobId.toString();
    }
}
