package org.agentplatform.schema.jobs;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** {@code revokedLessee} is the executor whose lease the cancellation revoked, if the job was running. */
public record JobCancelled(UUID jobId, UUID requestedBy, JobStatus previous, @Nullable UUID revokedLessee) implements JobEvent {
}
