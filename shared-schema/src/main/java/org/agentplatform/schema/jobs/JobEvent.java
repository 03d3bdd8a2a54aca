package org.agentplatform.schema.jobs;

import org.agentplatform.schema.messaging.Event;
import org.agentplatform.schema.messaging.Topics;

/** Facts published by the job worker on {@code events.job}, keyed by job id. */
public sealed interface JobEvent extends Event
        permits JobSubmitted, JobLeased, JobCompleted, JobFailed, JobLeaseExpired, JobCancelled,
        JobEscrowHeld, JobEscrowRejected, JobEscrowSettled {

    java.util.UUID jobId();

    @Override
    default String aggregateType() {
        return Topics.AGGREGATE_JOB;
    }

    @Override
    default String aggregateId() {
        return jobId().toString();
    }
}
