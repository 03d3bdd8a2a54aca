package org.agentplatform.schema.jobs;

import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.admission.Text;

/**
 * The attempt failed. Retryable failures go back to the queue with backoff (or to DEAD after the last
 * attempt); others end the job as FAILED.
 */
public record FailJob(UUID jobId, UUID executorId, long fencingToken, @Text(max = 10_000) String error, boolean retryable)
        implements JobCommand {

    public FailJob {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(executorId, "executorId");
        Objects.requireNonNull(error, "error");
    }

    @Override
    public String partitionKey() {
        return jobId.toString();
    }
}
