package org.agentplatform.jobs.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.Transition.Changed;
import org.agentplatform.jobs.lifecycle.Transition.History;
import org.agentplatform.jobs.lifecycle.Transition.LeaseEnded;
import org.agentplatform.jobs.lifecycle.Transition.LeaseStarted;
import org.agentplatform.jobs.lifecycle.Transition.Refused;
import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.jobs.JobCancelled;
import org.agentplatform.schema.jobs.JobCompleted;
import org.agentplatform.schema.jobs.JobFailed;
import org.agentplatform.schema.jobs.JobLeaseExpired;
import org.agentplatform.schema.jobs.JobLeased;
import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobEscrowHeld;
import org.agentplatform.schema.jobs.JobEscrowRejected;
import org.agentplatform.schema.jobs.JobEscrowSettled;
import org.agentplatform.schema.jobs.JobStatus;
import org.agentplatform.schema.jobs.JobSubmitted;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.jobs.SubmitJob;
import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;

/**
 * A job and the rules of its lifecycle. Every lease increments the fencing token; a heartbeat, completion
 * or failure must carry the current token of a job that is still LEASED. That, and not the clock, is what
 * keeps a rescued job from completing twice: an executor whose lease expired but was not yet rescued may
 * still finish (nobody else holds a lease), one whose job was rescued or re-leased is refused.
 *
 * <p>Not thread safe: a job is changed only by the transaction that holds its row lock.
 */
final class Job {

    static final String STALE_LEASE = "STALE_LEASE";
    static final String JOB_CANCELLED = "JOB_CANCELLED";
    static final String UNKNOWN_LEASE = "UNKNOWN_LEASE";
    static final String NOT_LESSEE = "NOT_LESSEE";
    static final String JOB_FINISHED = "JOB_FINISHED";
    /** Why an escrow is STUCK when a step's command never got an outcome from the ledger. */
    static final String NO_OUTCOME = "NO_OUTCOME";
    // why an admin's escrow resolution is refused, or, NOTHING_HELD, how one ended with nothing to move
    static final String ESCROW_NOT_STUCK = "ESCROW_NOT_STUCK";
    static final String OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN";
    static final String NOTHING_TO_RETRY = "NOTHING_TO_RETRY";
    static final String NOTHING_HELD = "NOTHING_HELD";
    static final String ESCROW_PAID = "ESCROW_PAID";
    static final String ESCROW_REFUNDED = "ESCROW_REFUNDED";
    static final String NO_PAYEE = "NO_PAYEE";

    /** The order lease requests take runnable jobs in: highest priority, then the longest waiting. */
    static final Comparator<Job> LEASE_ORDER = Comparator.comparingInt((Job j) -> -j.priority)
            .thenComparing(j -> j.runAt).thenComparing(j -> j.id);

    private final UUID id;
    private final UUID submitterId;
    private final int priority;
    private final int maxAttempts;
    private final Duration leaseTimeout;
    private final JsonNode spec;
    private final @Nullable Long price;
    private final boolean isNew;

    private JobStatus status;
    private int attempts;
    private Instant runAt;
    private @Nullable Instant leaseExpiresAt;
    private long fencingToken;
    private @Nullable UUID lessee;
    private @Nullable JsonNode result;
    private @Nullable String lastError;
    private final Escrow escrow;
    private boolean changed;

    Job(UUID id, UUID submitterId, int priority, int maxAttempts, Duration leaseTimeout, JsonNode spec,
        @Nullable Long price, JobStatus status, int attempts, Instant runAt, @Nullable Instant leaseExpiresAt,
        long fencingToken, @Nullable UUID lessee, @Nullable JsonNode result, @Nullable String lastError,
        EscrowStatus escrowStatus, @Nullable UUID payee, boolean isNew) {
        this.id = id;
        this.submitterId = submitterId;
        this.priority = priority;
        this.maxAttempts = maxAttempts;
        this.leaseTimeout = leaseTimeout;
        this.spec = spec;
        this.price = price;
        this.status = status;
        this.attempts = attempts;
        this.runAt = runAt;
        this.leaseExpiresAt = leaseExpiresAt;
        this.fencingToken = fencingToken;
        this.lessee = lessee;
        this.result = result;
        this.lastError = lastError;
        this.escrow = new Escrow(id, submitterId, price, escrowStatus, payee);
        this.isNew = isNew;
    }

    /** A priced job waits for its price to be reserved before it is runnable. */
    static Job submitted(SubmitJob c, Instant now) {
        boolean priced = c.price() != null;
        return new Job(c.jobId(), c.submitterId(), c.priority(), c.maxAttempts(), c.leaseTimeout(), c.spec(), c.price(),
                priced ? JobStatus.AWAITING_ESCROW : JobStatus.QUEUED, 0, now, null, 0, null, null, null,
                priced ? EscrowStatus.RESERVING : EscrowStatus.NONE, null, true);
    }

    // --- escrow: the saga steps a transition implies (see Escrow), and what they do to the job ---

    /** The reservation of a priced job's price, sent when the job is submitted. */
    EscrowStep reservation() {
        return escrow.reservation();
    }

    /** The ledger reserved the price: the job becomes runnable, or, cancelled meanwhile, is refunded at once. */
    Transition escrowReserved(Instant now) {
        JobEscrowHeld held = escrow.reserved();
        changed = true;
        if (status == JobStatus.AWAITING_ESCROW) {
            status = JobStatus.QUEUED;
            runAt = now;
        }
        return new Changed(held, history("ESCROW_HELD", null, null, null), null, null);
    }

    /** The ledger refused the reservation (the submitter cannot pay): the job never runs. */
    Transition escrowRejected(String reason, String detail) {
        JobEscrowRejected rejected = escrow.rejected(reason, detail);
        changed = true;
        if (status == JobStatus.AWAITING_ESCROW) {
            status = JobStatus.REJECTED;
        }
        return new Changed(rejected, history("ESCROW_REJECTED", null, null, reason), null, null);
    }

    /**
     * After any transition: a finished job whose price is held is settled, paid to the executor who completed
     * it or refunded to the submitter. Returns the first saga step, or null when there is nothing to settle.
     */
    @Nullable EscrowStep settlement() {
        if (!escrow.isHeld() || !status.isFinal()) {
            return null;
        }
        changed = true;
        return escrow.settle(status == JobStatus.SUCCEEDED);
    }

    /** The reservation was posted into escrow: pay the executor from it. */
    EscrowStep escrowPosted() {
        return escrow.posted();
    }

    /** The last settlement step was applied ({@code outcome} PAID or REFUNDED), or refused (STUCK). */
    Transition escrowSettled(EscrowStatus outcome, String detail) {
        JobEscrowSettled settled = escrow.settled(outcome);
        changed = true;
        return new Changed(settled, history("ESCROW_" + outcome.name(), settled.payee(), null, detail), null, null);
    }

    /**
     * A step's command got no outcome however often it was sent (every record lost before the ledger read it):
     * the escrow is STUCK, and an operator finds out from the ledger whether karma moved. A job still waiting
     * for its reservation is rejected, as it cannot run without its price held.
     */
    Transition escrowNoOutcome() {
        if (escrow.isSettling()) {
            return escrowSettled(EscrowStatus.STUCK, NO_OUTCOME);
        }
        JobEscrowSettled lost = escrow.reservationLost();
        changed = true;
        if (status == JobStatus.AWAITING_ESCROW) {
            status = JobStatus.REJECTED;
        }
        return new Changed(lost, history("ESCROW_STUCK", null, null, NO_OUTCOME), null, null);
    }

    /** An admin's resolution of the job's STUCK escrow: what it changed, and the saga command it sends, or sends again. */
    record Resolved(Transition transition, @Nullable EscrowStep step, @Nullable UUID resend) {
    }

    /**
     * The admin resolves the job's STUCK escrow (see {@link Escrow#resolve}). Accepted or refused, it is kept in the
     * job's history, which is audited, with the admin's reason and what was done.
     */
    Resolved resolveEscrow(ResolveEscrow.Action action, String reason, Escrow.Ledger ledger, UUID commandId) {
        Escrow.Resolution resolution = escrow.resolve(action, ledger, commandId);
        String why = action + " (" + reason + "): ";
        if (resolution instanceof Escrow.Resolution.Refused r) {
            return new Resolved(new Refused(r.reason(), r.detail(),
                    history("ESCROW_RESOLUTION_REFUSED", null, null, why + r.reason() + ": " + r.detail())), null, null);
        }
        changed = true;
        if (resolution instanceof Escrow.Resolution.Settled settled) {
            return new Resolved(new Changed(settled.event(), history("ESCROW_RESOLVED", null, null, why + settled.detail()),
                    null, null), null, null);
        }
        if (resolution instanceof Escrow.Resolution.Moving moving) {
            return new Resolved(new Changed(null, history("ESCROW_RESOLUTION", null, null, why + moving.detail()),
                    null, null), moving.step(), null);
        }
        Escrow.Resolution.Resending resending = (Escrow.Resolution.Resending) resolution;
        return new Resolved(new Changed(null, history("ESCROW_RESOLUTION", null, null, why + resending.detail()),
                null, null), null, resending.command().commandId());
    }

    /** A resolution's hold was posted into escrow: pay the executor from it. */
    EscrowStep escrowResolutionPosted(UUID postCommandId) {
        return escrow.resolutionPosted(postCommandId);
    }

    Changed submittedTransition() {
        return new Changed(new JobSubmitted(id, submitterId, priority, maxAttempts, leaseTimeout, price, runAt),
                history("SUBMITTED", null, runAt, null), null, null);
    }

    boolean isRunnable(Instant now) {
        return status == JobStatus.QUEUED && !runAt.isAfter(now);
    }

    Transition lease(UUID executor, Instant now) {
        if (!isRunnable(now)) {
            throw new IllegalStateException("job " + id + " is not runnable");
        }
        status = JobStatus.LEASED;
        attempts++;
        fencingToken++;
        lessee = executor;
        leaseExpiresAt = now.plus(leaseTimeout);
        changed = true;
        return new Changed(new JobLeased(id, executor, fencingToken, attempts, leaseExpiresAt, spec),
                history("LEASED", executor, null, null), new LeaseStarted(id, fencingToken, attempts, executor, now), null);
    }

    Transition heartbeat(UUID executor, long token, LeaseHolders holders, Instant now) {
        Refused refused = checkLease(executor, token, "Heartbeat", holders);
        if (refused != null) {
            return refused;
        }
        leaseExpiresAt = now.plus(leaseTimeout);
        changed = true;
        return new Changed(null, null, null, null); // not a transition: no event, no history row
    }

    Transition complete(UUID executor, long token, JsonNode output, LeaseHolders holders, Instant now) {
        Refused refused = checkLease(executor, token, "CompleteJob", holders);
        if (refused != null) {
            return refused;
        }
        endLease(JobStatus.SUCCEEDED);
        result = output;
        escrow.payTo(executor);
        return new Changed(new JobCompleted(id, executor, token, attempts, output),
                history("COMPLETED", executor, null, null), null, new LeaseEnded(id, token, "SUCCEEDED", null, now));
    }

    Transition fail(UUID executor, long token, String error, boolean retryable, LeaseHolders holders, Instant now,
                    Backoff backoff) {
        Refused refused = checkLease(executor, token, "FailJob", holders);
        if (refused != null) {
            return refused;
        }
        lastError = error;
        JobStatus next = retryable ? retryOrDie(now, backoff) : JobStatus.FAILED;
        if (next == JobStatus.FAILED) {
            endLease(JobStatus.FAILED);
        }
        Instant retryAt = next == JobStatus.QUEUED ? runAt : null;
        return new Changed(new JobFailed(id, executor, token, attempts, error, retryable, next, retryAt),
                history(next == JobStatus.QUEUED ? "RETRY_SCHEDULED" : next.name(), executor, retryAt, error), null,
                new LeaseEnded(id, token, "FAILED", error, now));
    }

    /** The rescuer's rule: a lease nobody renewed in time goes back to the queue, or to DEAD after the last attempt. */
    Transition expireLease(Instant now, Backoff backoff) {
        if (status != JobStatus.LEASED || leaseExpiresAt == null || leaseExpiresAt.isAfter(now)) {
            throw new IllegalStateException("job " + id + " has no expired lease");
        }
        UUID executor = Objects.requireNonNull(lessee, "a leased job has a lessee");
        long token = fencingToken;
        JobStatus next = retryOrDie(now, backoff);
        Instant retryAt = next == JobStatus.QUEUED ? runAt : null;
        return new Changed(new JobLeaseExpired(id, executor, token, attempts, next, retryAt),
                history(next == JobStatus.QUEUED ? "RESCUED" : "RESCUED_DEAD", executor, retryAt, null), null,
                new LeaseEnded(id, token, "EXPIRED", null, now));
    }

    /**
     * Cancelled by its submitter, or by the admin ({@code byAdmin}) whoever it names as requester. Checked before
     * the job's state, which is nobody else's business.
     */
    Transition cancel(UUID requestedBy, boolean byAdmin, Instant now) {
        if (!byAdmin && !submitterId.equals(requestedBy)) {
            return new Refused(CommandPolicy.FORBIDDEN, "only the submitter (or the admin) may cancel a job", null);
        }
        if (status.isFinal()) {
            return new Refused(JOB_FINISHED, "job is " + status, null);
        }
        JobStatus previous = status;
        UUID revoked = lessee;
        endLease(JobStatus.CANCELLED);
        LeaseEnded ended = previous == JobStatus.LEASED ? new LeaseEnded(id, fencingToken, "CANCELLED", null, now) : null;
        // the admin's cancel says so in the (audited) history: it names the submitter as requester
        return new Changed(new JobCancelled(id, requestedBy, previous, revoked),
                history("CANCELLED", revoked, null, byAdmin ? "by the admin" : null), null, ended);
    }

    private JobStatus retryOrDie(Instant now, Backoff backoff) {
        if (attempts >= maxAttempts) {
            endLease(JobStatus.DEAD);
        } else {
            endLease(JobStatus.QUEUED);
            runAt = now.plus(backoff.after(attempts));
        }
        return status;
    }

    private void endLease(JobStatus next) {
        status = next;
        lessee = null;
        leaseExpiresAt = null;
        changed = true;
    }

    /**
     * Only the current lease may act. A token from the future was never issued; an old one, or the current
     * one of a job that was rescued, cancelled or finished, is stale: its holder is told why and the refusal is
     * kept in the history. Anyone else who presents a token is told only that the lease is not theirs, learns
     * nothing of the job's state and adds nothing to its history (a stranger may guess tokens: they count up).
     */
    private @Nullable Refused checkLease(UUID executor, long token, String command, LeaseHolders holders) {
        if (token > fencingToken) {
            // only the lessee hears that a token was never issued: to anyone else that would count the job's leases
            return executor.equals(lessee) ? new Refused(UNKNOWN_LEASE, "token " + token + " was never issued", null)
                    : notLessee();
        }
        boolean current = token == fencingToken && status == JobStatus.LEASED;
        if (!current && !holders.held(id, token, executor)) {
            return notLessee();
        }
        if (!current) {
            String detail = command + " with token " + token + " but job is " + status + " with token " + fencingToken;
            // the executor of a cancelled job is told so: it stops, rather than wondering whether it was rescued
            String reason = status == JobStatus.CANCELLED && token == fencingToken ? JOB_CANCELLED : STALE_LEASE;
            return new Refused(reason, detail, new History(id, "STALE_LEASE_REJECTED", status, attempts, token,
                    executor, null, detail));
        }
        if (!executor.equals(lessee)) {
            return notLessee();
        }
        return null;
    }

    /** What anyone but the lease's holder hears: nothing of the job's state, nothing kept in its history. */
    private static Refused notLessee() {
        return new Refused(NOT_LESSEE, "the lease belongs to another executor", null);
    }

    private History history(String kind, @Nullable UUID executor, @Nullable Instant at, @Nullable String detail) {
        return new History(id, kind, status, attempts, fencingToken, executor, at, detail);
    }

    UUID id() {
        return id;
    }

    UUID submitterId() {
        return submitterId;
    }

    int priority() {
        return priority;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    Duration leaseTimeout() {
        return leaseTimeout;
    }

    JsonNode spec() {
        return spec;
    }

    @Nullable Long price() {
        return price;
    }

    boolean isNew() {
        return isNew;
    }

    EscrowStatus escrowStatus() {
        return escrow.status();
    }

    @Nullable UUID payee() {
        return escrow.payee();
    }

    boolean isChanged() {
        return changed;
    }

    JobStatus status() {
        return status;
    }

    int attempts() {
        return attempts;
    }

    Instant runAt() {
        return runAt;
    }

    @Nullable Instant leaseExpiresAt() {
        return leaseExpiresAt;
    }

    long fencingToken() {
        return fencingToken;
    }

    @Nullable UUID lessee() {
        return lessee;
    }

    @Nullable JsonNode result() {
        return result;
    }

    @Nullable String lastError() {
        return lastError;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Job other && id.equals(other.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id);
    }
}
