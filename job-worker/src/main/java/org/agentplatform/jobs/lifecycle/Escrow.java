package org.agentplatform.jobs.lifecycle;

import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.JobEscrowHeld;
import org.agentplatform.schema.jobs.JobEscrowRejected;
import org.agentplatform.schema.jobs.JobEscrowSettled;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;

/**
 * A priced job's price on its way through the ledger: reserved from the submitter when the job is submitted, then
 * posted and paid to the executor who completed it, or voided back to the submitter. The steps' command ids are
 * fixed per job and step ({@link EscrowStep}); the {@link Job} decides when, by its own status, and records the
 * history. A job without a price has the status NONE and takes no step.
 *
 * <p>Not thread safe: changed only by the transaction that holds its job's row lock.
 */
final class Escrow {

    /**
     * How long the ledger holds a priced job's price: as long as the job may take, which nothing bounds (retries
     * with backoff, leases renewed by heartbeats), so practically for ever. The job worker settles every hold
     * itself (paid, or refunded when the job is cancelled or dead); an expiry would only let the submitter's
     * karma return while the job still runs and pay nobody for finished work. The last second of year 9999:
     * within PostgreSQL's timestamptz range (Admissibility.MAX_TIMESTAMP is the hard limit) and plain ISO-8601.
     */
    static final Instant HOLD_UNTIL = Instant.parse("9999-12-31T23:59:59Z");

    private final UUID jobId;
    private final UUID submitterId;
    private final Long price;
    private EscrowStatus status;
    private UUID payee;

    Escrow(UUID jobId, UUID submitterId, Long price, EscrowStatus status, UUID payee) {
        this.jobId = jobId;
        this.submitterId = submitterId;
        this.price = price;
        this.status = status;
        this.payee = payee;
    }

    /**
     * The reservation of the price from the submitter, sent when the job is submitted. The job worker makes it, so
     * the ledger lets only the job worker post or void it, never the submitter.
     */
    EscrowStep reservation() {
        return new EscrowStep(jobId, EscrowStep.Kind.RESERVE,
                new ReserveKarma(submitterId, JobEscrow.ACCOUNT, price, HOLD_UNTIL));
    }

    JobEscrowHeld reserved() {
        require(EscrowStatus.RESERVING);
        status = EscrowStatus.HELD;
        return new JobEscrowHeld(jobId, pendingId(), price);
    }

    JobEscrowRejected rejected(String reason, String detail) {
        require(EscrowStatus.RESERVING);
        status = EscrowStatus.REJECTED;
        return new JobEscrowRejected(jobId, reason, detail);
    }

    /** Who completed the job, and is paid when it is settled. */
    void payTo(UUID executor) {
        payee = executor;
    }

    /**
     * The first settlement step of a held price once its job finished: paid when it succeeded, refunded otherwise.
     */
    EscrowStep settle(boolean succeeded) {
        require(EscrowStatus.HELD);
        if (succeeded) {
            status = EscrowStatus.PAYING;
            return new EscrowStep(jobId, EscrowStep.Kind.POST, new PostPending(pendingId()));
        }
        status = EscrowStatus.REFUNDING;
        return new EscrowStep(jobId, EscrowStep.Kind.REFUND, new VoidPending(pendingId()));
    }

    boolean isHeld() {
        return status == EscrowStatus.HELD;
    }

    /** The reservation was posted into escrow: pay the executor from it. */
    EscrowStep posted() {
        require(EscrowStatus.PAYING);
        return new EscrowStep(jobId, EscrowStep.Kind.PAY, new TransferKarma(JobEscrow.ACCOUNT, payee, price));
    }

    /** The last settlement step was applied ({@code outcome} PAID or REFUNDED), or refused (STUCK). */
    JobEscrowSettled settled(EscrowStatus outcome) {
        if (!isSettling()) {
            throw new IllegalStateException("job " + jobId + " escrow is " + status);
        }
        UUID to = status == EscrowStatus.PAYING ? payee : submitterId;
        status = outcome;
        return new JobEscrowSettled(jobId, outcome, to, price);
    }

    /** Paying or refunding: a settlement step is on its way. */
    boolean isSettling() {
        return status == EscrowStatus.PAYING || status == EscrowStatus.REFUNDING;
    }

    /** The reservation never got an outcome: STUCK, with nothing known to have moved. */
    JobEscrowSettled reservationLost() {
        require(EscrowStatus.RESERVING);
        status = EscrowStatus.STUCK;
        return new JobEscrowSettled(jobId, EscrowStatus.STUCK, null, price);
    }

    /** The id of the reservation, which is the pending transfer's id in the ledger. */
    UUID pendingId() {
        return EscrowStep.commandId(jobId, EscrowStep.Kind.RESERVE);
    }

    EscrowStatus status() {
        return status;
    }

    UUID payee() {
        return payee;
    }

    private void require(EscrowStatus expected) {
        if (status != expected) {
            throw new IllegalStateException("job " + jobId + " escrow is " + status + ", expected " + expected);
        }
    }
}
