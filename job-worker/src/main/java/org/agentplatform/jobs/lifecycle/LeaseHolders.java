package org.agentplatform.jobs.lifecycle;

import java.util.UUID;

/** Who was granted which lease: whether {@code executor} holds or held the lease of {@code jobId} with {@code token}. */
@FunctionalInterface
interface LeaseHolders {

    boolean held(UUID jobId, long token, UUID executor);
}
