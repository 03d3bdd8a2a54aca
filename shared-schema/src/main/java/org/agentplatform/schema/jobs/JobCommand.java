package org.agentplatform.schema.jobs;

import org.agentplatform.schema.messaging.Command;

/**
 * Commands applied by the job worker, on {@code commands.jobs}. Keyed by job id, except
 * {@link RequestLease}, which names no job and is keyed by the executor asking for work.
 */
public sealed interface JobCommand extends Command
        permits SubmitJob, RequestLease, Heartbeat, CompleteJob, FailJob, CancelJob {
}
