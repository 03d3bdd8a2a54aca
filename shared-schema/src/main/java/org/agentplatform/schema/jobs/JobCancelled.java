package org.agentplatform.schema.jobs;

import java.util.UUID;

/** {@code revokedLessee} is the executor whose lease the cancellation revoked, if the job was running. */
public record JobCancelled(UUID jobId, UUID requestedBy, JobStatus previous, UUID revokedLessee) implements JobEvent {
}
