package org.agentplatform.jobs.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.JobEscrowHeld;
import org.agentplatform.schema.jobs.JobEscrowRejected;
import org.agentplatform.schema.jobs.JobEscrowSettled;
import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.jspecify.annotations.Nullable;

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
    private final @Nullable Long price;
    private EscrowStatus status;
    private @Nullable UUID payee;

    Escrow(UUID jobId, UUID submitterId, @Nullable Long price, EscrowStatus status, @Nullable UUID payee) {
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
                new ReserveKarma(submitterId, JobEscrow.ACCOUNT, amount(), HOLD_UNTIL));
    }

    JobEscrowHeld reserved() {
        require(EscrowStatus.RESERVING);
        status = EscrowStatus.HELD;
        return new JobEscrowHeld(jobId, pendingId(), amount());
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
        return new EscrowStep(jobId, EscrowStep.Kind.PAY, new TransferKarma(JobEscrow.ACCOUNT, payeeToPay(), amount()));
    }

    /** The last settlement step was applied ({@code outcome} PAID or REFUNDED), or refused (STUCK). */
    JobEscrowSettled settled(EscrowStatus outcome) {
        if (!isSettling()) {
            throw new IllegalStateException("job " + jobId + " escrow is " + status);
        }
        UUID to = status == EscrowStatus.PAYING ? payeeToPay() : submitterId;
        status = outcome;
        return new JobEscrowSettled(jobId, outcome, to, amount());
    }

    /** Paying or refunding: a settlement step is on its way. */
    boolean isSettling() {
        return status == EscrowStatus.PAYING || status == EscrowStatus.REFUNDING;
    }

    /** The reservation never got an outcome: STUCK, with nothing known to have moved. */
    JobEscrowSettled reservationLost() {
        require(EscrowStatus.RESERVING);
        status = EscrowStatus.STUCK;
        return new JobEscrowSettled(jobId, EscrowStatus.STUCK, null, amount());
    }

    // --- an admin's resolution of a STUCK escrow ---

    /** What the ledger recorded for one of the job's saga commands, read when the admin resolves its escrow. */
    record Recorded(UUID commandId, EscrowStep.Kind step, Known known) {
    }

    /** A final outcome (applied, refused), or none yet: not seen, dead-lettered or parked, so it may still apply. */
    enum Known { APPLIED, REFUSED, UNKNOWN }

    /**
     * The ledger's own record of the price's hold (the pending transfer the reservation created): none, still
     * pending, posted into the escrow account, or released back to the submitter (voided, or expired: holds made
     * before they were held for ever had an expiry).
     */
    enum Hold { NONE, PENDING, POSTED, RELEASED }

    /** What the ledger records of a job's escrow: its hold and each of the job's saga commands. */
    record Ledger(Hold hold, List<Recorded> commands) {
    }

    /** Where the price is. */
    enum Location { NOT_TAKEN, HELD, IN_ESCROW, PAID, REFUNDED }

    /** What a resolution does: refused, settled at once (the ledger already did it), a new step, or a resend. */
    sealed interface Resolution {
        record Refused(String reason, String detail) implements Resolution {
        }

        record Settled(JobEvent event, String detail) implements Resolution {
        }

        record Moving(EscrowStep step, String detail) implements Resolution {
        }

        record Resending(Recorded command, String detail) implements Resolution {
        }
    }

    /**
     * Where the price is, from the ledger's hold and its record of the job's saga commands; empty while a command
     * that may still move it has no final outcome (it may yet be applied: a replayed dead letter, a late record).
     * Posts and voids act on the hold, which the ledger resolves once: its state decides, whatever of them is still
     * unknown. Once posted, the transfers out of the escrow account (PAY, RESOLVE_PAY, RESOLVE_RETURN) decide.
     */
    static Optional<Location> locate(Hold hold, List<Recorded> commands) {
        return switch (hold) {
            case NONE -> commands.stream().anyMatch(c -> c.step() == EscrowStep.Kind.RESERVE && c.known() == Known.REFUSED)
                    ? Optional.of(Location.NOT_TAKEN) : Optional.empty(); // no refusal on record: it may still apply
            case PENDING -> Optional.of(Location.HELD);
            case RELEASED -> Optional.of(Location.REFUNDED);
            case POSTED -> {
                List<Recorded> out = commands.stream().filter(c -> c.step().effect == EscrowStep.Effect.PAYS
                        || c.step().effect == EscrowStep.Effect.RETURNS).toList();
                if (out.stream().anyMatch(c -> c.known() == Known.UNKNOWN)) {
                    yield Optional.empty();
                }
                Set<EscrowStep.Effect> applied = out.stream().filter(c -> c.known() == Known.APPLIED)
                        .map(c -> c.step().effect).collect(Collectors.toSet());
                yield Optional.of(applied.contains(EscrowStep.Effect.PAYS) ? Location.PAID
                        : applied.contains(EscrowStep.Effect.RETURNS) ? Location.REFUNDED : Location.IN_ESCROW);
            }
        };
    }

    /**
     * The admin's {@code action} on a STUCK escrow, given the ledger's hold and what it recorded for every saga
     * command of the job. Money moves only where the ledger's record says it is: while it cannot say
     * ({@link #locate} empty) only RETRY is allowed, which sends the command that has no final outcome again under
     * its own id, so the ledger applies it at most once. New steps derive their ids from {@code seed}, the
     * resolving command.
     */
    Resolution resolve(ResolveEscrow.Action action, Ledger ledger, UUID seed) {
        Hold hold = ledger.hold();
        List<Recorded> commands = ledger.commands();
        if (status != EscrowStatus.STUCK) {
            return new Resolution.Refused(Job.ESCROW_NOT_STUCK, "escrow is " + status);
        }
        List<Recorded> unknown = commands.stream().filter(c -> c.known() == Known.UNKNOWN).toList();
        if (action == ResolveEscrow.Action.RETRY) {
            if (unknown.size() != 1) {
                return new Resolution.Refused(Job.NOTHING_TO_RETRY, unknown.isEmpty()
                        ? "every saga command of this escrow has a final outcome in the ledger: REFUND or PAY it"
                        : unknown.size() + " saga commands of this escrow have no final outcome: " + ids(unknown));
            }
            Recorded resend = unknown.get(0);
            status = resend.step().settling;
            return new Resolution.Resending(resend, "sending " + resend.step() + " " + resend.commandId() + " again");
        }
        Optional<Location> location = locate(hold, commands);
        if (location.isEmpty()) {
            return new Resolution.Refused(Job.OUTCOME_UNKNOWN, "the ledger has no final outcome for "
                    + (unknown.isEmpty() ? "the reservation" : ids(unknown)) + ", which may still be applied: RETRY first");
        }
        return action == ResolveEscrow.Action.REFUND ? refund(location.get(), seed) : pay(location.get(), seed);
    }

    private Resolution refund(Location location, UUID seed) {
        return switch (location) {
            case NOT_TAKEN -> {
                status = EscrowStatus.REJECTED;
                yield new Resolution.Settled(new JobEscrowRejected(jobId, Job.NOTHING_HELD,
                        "the reservation was never applied: nothing was taken from the submitter"), "nothing was taken");
            }
            case HELD -> moving(EscrowStep.Kind.RESOLVE_VOID, new VoidPending(pendingId()), seed, "voiding the hold");
            case IN_ESCROW -> moving(EscrowStep.Kind.RESOLVE_RETURN, new TransferKarma(JobEscrow.ACCOUNT, submitterId,
                    amount()), seed, "returning it from the escrow account");
            case REFUNDED -> settledAs(EscrowStatus.REFUNDED, submitterId, "the ledger had refunded it");
            case PAID -> new Resolution.Refused(Job.ESCROW_PAID, "the ledger paid the price to the executor: PAY records that");
        };
    }

    private Resolution pay(Location location, UUID seed) {
        if (payee == null) {
            return new Resolution.Refused(Job.NO_PAYEE, "nobody completed the job: there is no executor to pay");
        }
        return switch (location) {
            case NOT_TAKEN -> new Resolution.Refused(Job.NOTHING_HELD,
                    "the reservation was never applied: nothing was taken from the submitter to pay");
            case HELD -> moving(EscrowStep.Kind.RESOLVE_POST, new PostPending(pendingId()), seed, "posting the hold");
            case IN_ESCROW -> moving(EscrowStep.Kind.RESOLVE_PAY, new TransferKarma(JobEscrow.ACCOUNT, payee, amount()),
                    seed, "paying it from the escrow account");
            case PAID -> settledAs(EscrowStatus.PAID, payee, "the ledger had paid it");
            case REFUNDED -> new Resolution.Refused(Job.ESCROW_REFUNDED,
                    "the ledger refunded the price to the submitter: REFUND records that");
        };
    }

    private Resolution moving(EscrowStep.Kind kind, LedgerCommand command, UUID seed, String detail) {
        status = kind.settling;
        return new Resolution.Moving(new EscrowStep(jobId, kind, command, seed), detail);
    }

    private Resolution settledAs(EscrowStatus outcome, UUID to, String detail) {
        status = outcome;
        return new Resolution.Settled(new JobEscrowSettled(jobId, outcome, to, amount()), detail);
    }

    /** A resolution's hold was posted: pay the executor from the escrow account, a step seeded by the post. */
    EscrowStep resolutionPosted(UUID postCommandId) {
        require(EscrowStatus.PAYING);
        return new EscrowStep(jobId, EscrowStep.Kind.RESOLVE_PAY,
                new TransferKarma(JobEscrow.ACCOUNT, payeeToPay(), amount()), postCommandId);
    }

    private static String ids(List<Recorded> commands) {
        return commands.stream().map(c -> c.step() + " " + c.commandId()).collect(Collectors.joining(", "));
    }

    /** The id of the reservation, which is the pending transfer's id in the ledger. */
    UUID pendingId() {
        return EscrowStep.commandId(jobId, EscrowStep.Kind.RESERVE);
    }

    EscrowStatus status() {
        return status;
    }

    @Nullable UUID payee() {
        return payee;
    }

    /** The price: only a priced job's escrow takes a step or settles. */
    private long amount() {
        return Objects.requireNonNull(price, "a free job has no escrow");
    }

    /** Who a paying step pays: the executor who completed the job ({@link #payTo}), or whom the admin's PAY checked. */
    private UUID payeeToPay() {
        return Objects.requireNonNull(payee, "nobody completed job " + jobId);
    }

    private void require(EscrowStatus expected) {
        if (status != expected) {
            throw new IllegalStateException("job " + jobId + " escrow is " + status + ", expected " + expected);
        }
    }
}
