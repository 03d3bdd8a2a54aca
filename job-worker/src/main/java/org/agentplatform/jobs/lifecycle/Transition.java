package org.agentplatform.jobs.lifecycle;

import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.jobs.JobStatus;
import org.jspecify.annotations.Nullable;

/** What a rule of {@link Job} decided: a change (with what to write) or a refusal. */
sealed interface Transition {

    /** {@code event}, {@code history}, {@code leaseStarted} and {@code leaseEnded} may each be null. */
    record Changed(@Nullable JobEvent event, @Nullable History history, @Nullable LeaseStarted leaseStarted,
                   @Nullable LeaseEnded leaseEnded)
            implements Transition {
    }

    /** {@code recorded}: a history row kept even though nothing changed (stale lease), or null. */
    record Refused(String reason, @Nullable String detail, @Nullable History recorded) implements Transition {
    }

    /** A row of {@code job_history}. */
    record History(UUID jobId, String kind, JobStatus status, int attempt, long fencingToken, @Nullable UUID executorId,
                   @Nullable Instant runAt, @Nullable String detail) {
    }

    /** A new row of {@code job_attempts}. */
    record LeaseStarted(UUID jobId, long fencingToken, int attempt, UUID executorId, Instant at) {
    }

    /** Closes a row of {@code job_attempts}. */
    record LeaseEnded(UUID jobId, long fencingToken, String outcome, @Nullable String error, Instant at) {
    }
}
