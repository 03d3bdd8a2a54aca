package org.agentplatform.jobs.lifecycle;

import java.util.UUID;

import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.DerivedIds;

/**
 * One ledger command of a job's escrow saga. Its id is derived from the job and the step, so a step is the
 * same command however often it is re-sent (the ledger's inbox applies it once), and the reservation's id is
 * the pending transfer's id.
 */
record EscrowStep(UUID jobId, Kind step, LedgerCommand command) {

    /** The saga's steps; their names are stored ({@code job_saga_commands.step}) and part of the derived ids. */
    enum Kind {
        /** Holds the price from the submitter, as a reservation to the escrow account. */
        RESERVE,
        /** Moves the held price into the escrow account once the job is done. */
        POST,
        /** Pays the escrowed price to the executor. */
        PAY,
        /** Voids the hold: the job ended without success (failed, dead or cancelled). */
        REFUND
    }

    UUID commandId() {
        return commandId(jobId, step);
    }

    static UUID commandId(UUID jobId, Kind step) {
        return DerivedIds.of("job-escrow", step.name(), jobId);
    }
}
