package org.agentplatform.jobs.lifecycle;

import java.util.UUID;

import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.DerivedIds;

/**
 * One ledger command of a job's escrow saga. Its id is derived from the job and the step, so a step is the
 * same command however often it is re-sent (the ledger's inbox applies it once), and the reservation's id is
 * the pending transfer's id.
 */
record EscrowStep(UUID jobId, String step, LedgerCommand command) {

    static final String RESERVE = "RESERVE";
    static final String POST = "POST";
    static final String PAY = "PAY";
    static final String REFUND = "REFUND";

    UUID commandId() {
        return commandId(jobId, step);
    }

    static UUID commandId(UUID jobId, String step) {
        return DerivedIds.of("job-escrow", step, jobId);
    }
}
