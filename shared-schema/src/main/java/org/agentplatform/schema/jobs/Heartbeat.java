package org.agentplatform.schema.jobs;

import java.util.Objects;
import java.util.UUID;

/** Extends a lease by the job's lease timeout; rejected STALE_LEASE unless the token is the job's current one. */
public record Heartbeat(UUID jobId, UUID executorId, long fencingToken) implements JobCommand {

    public Heartbeat {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(executorId, "executorId");
    }

    @Override
    public String partitionKey() {
        return jobId.toString();
    }
}
