package org.agentplatform.schema.jobs;

import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An executor asks for work: the worker leases it the highest-priority runnable job ({@link JobLeased},
 * caused by this command) or rejects the request with NO_RUNNABLE_JOB.
 *
 * <p>Keyed by the executor: the producer cannot know which job it will get, and one executor's requests
 * stay in order. Which job is picked is decided under row locks in PostgreSQL, not by partitioning.
 */
public record RequestLease(UUID executorId) implements JobCommand {

    public RequestLease {
        Objects.requireNonNull(executorId, "executorId");
    }

    @Override
    public String partitionKey() {
        return executorId.toString();
    }

    /** None: the worker picks the job. */
    @Override
    public @Nullable UUID jobId() {
        return null;
    }
}
