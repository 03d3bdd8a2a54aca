package org.agentplatform.jobs.lifecycle;

import java.util.UUID;

import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.DerivedIds;
import org.jspecify.annotations.Nullable;

/**
 * One ledger command of a job's escrow saga. Its id is derived from the job and the step, so a step is the
 * same command however often it is re-sent (the ledger's inbox applies it once), and the reservation's id is
 * the pending transfer's id. The steps of an admin's resolution ({@code RESOLVE_*}) also derive from the command
 * that caused them ({@code seed}): a resolution the ledger refused can be followed by another of the same kind.
 */
record EscrowStep(UUID jobId, Kind step, LedgerCommand command, @Nullable UUID seed) {

    EscrowStep(UUID jobId, Kind step, LedgerCommand command) {
        this(jobId, step, command, null);
    }

    /** The saga's steps; their names are stored ({@code job_saga_commands.step}) and part of the derived ids. */
    enum Kind {
        /** Holds the price from the submitter, as a reservation to the escrow account. */
        RESERVE(Effect.RESERVES, EscrowStatus.RESERVING),
        /** Moves the held price into the escrow account once the job is done. */
        POST(Effect.POSTS, EscrowStatus.PAYING),
        /** Pays the escrowed price to the executor. */
        PAY(Effect.PAYS, EscrowStatus.PAYING),
        /** Voids the hold: the job ended without success (failed, dead or cancelled). */
        REFUND(Effect.VOIDS, EscrowStatus.REFUNDING),
        /** A resolution's refund of a price still held: voids the hold. */
        RESOLVE_VOID(Effect.VOIDS, EscrowStatus.REFUNDING),
        /** A resolution's refund of a price already in the escrow account: transfers it back to the submitter. */
        RESOLVE_RETURN(Effect.RETURNS, EscrowStatus.REFUNDING),
        /** A resolution's payment of a price still held: posts the hold, then {@link #RESOLVE_PAY}. */
        RESOLVE_POST(Effect.POSTS, EscrowStatus.PAYING),
        /** A resolution's payment from the escrow account to the executor. */
        RESOLVE_PAY(Effect.PAYS, EscrowStatus.PAYING);

        /** What the step does to the price once the ledger applied it. */
        final Effect effect;
        /** The escrow's status while the step is on its way. */
        final EscrowStatus settling;

        Kind(Effect effect, EscrowStatus settling) {
            this.effect = effect;
            this.settling = settling;
        }
    }

    /** Where an applied step moves the price. */
    enum Effect {
        /** from the submitter into a hold */
        RESERVES,
        /** from the hold into the escrow account */
        POSTS,
        /** from the escrow account to the executor */
        PAYS,
        /** from the hold back to the submitter */
        VOIDS,
        /** from the escrow account back to the submitter */
        RETURNS
    }

    UUID commandId() {
        return seed == null ? commandId(jobId, step) : DerivedIds.of("job-escrow", step.name(), jobId, seed);
    }

    static UUID commandId(UUID jobId, Kind step) {
        return DerivedIds.of("job-escrow", step.name(), jobId);
    }
}
