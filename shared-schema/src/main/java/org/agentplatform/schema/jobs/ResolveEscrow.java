package org.agentplatform.schema.jobs;

import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.admission.Text;

/**
 * The admin settles a job's STUCK escrow: where the price is is read from the ledger's recorded outcomes of the
 * job's saga commands, and the job worker moves it with new ledger commands of its own ({@link Action}). Refused
 * unless the escrow is STUCK, and for REFUND and PAY while a step's outcome is still unknown (RETRY that first).
 * Recorded in the job's history with the admin's {@code reason}.
 */
public record ResolveEscrow(UUID jobId, Action action, @Text(min = 1, max = 500) String reason) implements JobCommand {

    /** What the admin wants done with the price. */
    public enum Action {
        /** Send the step whose outcome is unknown again, under its own id (the ledger applies it at most once). */
        RETRY,
        /** Give the price back to the submitter, from wherever it is held. */
        REFUND,
        /** Pay the price to the executor who completed the job. */
        PAY
    }

    public ResolveEscrow {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String partitionKey() {
        return jobId.toString();
    }
}
