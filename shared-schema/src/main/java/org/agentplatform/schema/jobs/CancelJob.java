package org.agentplatform.schema.jobs;

import java.util.Objects;
import java.util.UUID;

/** The submitter withdraws a job that has not finished; a running lease is revoked (its token becomes stale). */
public record CancelJob(UUID jobId, UUID requestedBy) implements JobCommand {

    public CancelJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(requestedBy, "requestedBy");
    }

    @Override
    public String partitionKey() {
        return jobId.toString();
    }
}
