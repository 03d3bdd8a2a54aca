package org.agentplatform.schema.jobs;

import java.util.UUID;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.CommandTopic;
import org.agentplatform.schema.messaging.Topics;
import org.jspecify.annotations.Nullable;

/**
 * Commands applied by the job worker, on {@code commands.jobs}. Keyed by job id, except
 * {@link RequestLease}, which names no job and is keyed by the executor asking for work.
 */
public sealed interface JobCommand extends Command
        permits SubmitJob, RequestLease, Heartbeat, CompleteJob, FailJob, CancelJob, ResolveEscrow {

    /** The job it names; null for a {@link RequestLease}, which names none. */
    @Nullable UUID jobId();

    @Override
    default CommandTopic topic() {
        return CommandTopic.JOBS;
    }

    @Override
    default String aggregateType() {
        return Topics.AGGREGATE_JOB;
    }
}
