package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.Transition.Changed;
import org.agentplatform.jobs.lifecycle.Transition.Refused;
import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobCompleted;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.JobFailed;
import org.agentplatform.schema.jobs.JobLeaseExpired;
import org.agentplatform.schema.jobs.JobLeased;
import org.agentplatform.schema.jobs.JobStatus;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.JsonNodeFactory;

/** The lifecycle rules of {@link Job}, without servers. */
class JobTest {

    static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    static final UUID SUBMITTER = UUID.randomUUID();
    static final UUID E1 = UUID.randomUUID();
    static final UUID E2 = UUID.randomUUID();

    /** Backoff without randomness: 1 s, 2 s, 4 s ... capped at 10 s, plus the whole jitter fraction 0.25. */
    final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 0.25, () -> 0.999999);

    /** The leases granted in a test, as {@code job_attempts} holds them. */
    private final Set<String> granted = new HashSet<>();
    private final LeaseHolders holders = (job, token, executor) -> granted.contains(job + "/" + token + "/" + executor);

    private Transition lease(Job job, UUID executor, Instant now) {
        Transition t = job.lease(executor, now);
        granted.add(job.id() + "/" + ((JobLeased) ((Changed) t).event()).fencingToken() + "/" + executor);
        return t;
    }

    static Job job(int maxAttempts) {
        return Job.submitted(new SubmitJob(UUID.randomUUID(), SUBMITTER, JsonNodeFactory.instance.objectNode().put("cmd", "x"),
                5, maxAttempts, Duration.ofSeconds(30), null), T0);
    }

    @Test
    void everyLeaseIncrementsTheFencingTokenAndStaleTokensAreRefusedAndRecorded() {
        Job job = job(3);
        JobLeased first = (JobLeased) ((Changed) lease(job, E1, T0)).event();
        assertThat(first.fencingToken()).isEqualTo(1);
        assertThat(first.leaseExpiresAt()).isEqualTo(T0.plusSeconds(30));

        Instant expired = T0.plusSeconds(31);
        assertThat(((Changed) job.expireLease(expired, backoff)).event())
                .isEqualTo(new JobLeaseExpired(job.id(), E1, 1, 1, JobStatus.QUEUED, expired.plusMillis(1250)));
        assertThat(job.isRunnable(expired)).isFalse();
        assertThat(job.isRunnable(expired.plusMillis(1250))).isTrue();

        // executor 1 wakes up: its token is still the current one, but the job was rescued
        Refused late = (Refused) job.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, expired);
        assertThat(late.reason()).isEqualTo(Job.STALE_LEASE);
        assertThat(late.recorded().kind()).isEqualTo("STALE_LEASE_REJECTED");

        JobLeased second = (JobLeased) ((Changed) lease(job, E2, expired.plusSeconds(2))).event();
        assertThat(second.fencingToken()).isEqualTo(2);
        assertThat(((Refused) job.heartbeat(E1, 1, holders, expired.plusSeconds(3))).reason()).isEqualTo(Job.STALE_LEASE);
        assertThat(((Refused) job.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, expired)).reason())
                .isEqualTo(Job.STALE_LEASE);
        assertThat(((Refused) job.complete(E1, 2, JsonNodeFactory.instance.nullNode(), holders, expired)).reason())
                .isEqualTo(Job.NOT_LESSEE);
        assertThat(((Refused) job.complete(E2, 3, JsonNodeFactory.instance.nullNode(), holders, expired)).reason())
                .isEqualTo(Job.UNKNOWN_LEASE);

        assertThat(((Changed) job.complete(E2, 2, JsonNodeFactory.instance.textNode("ok"), holders, expired)).event())
                .isInstanceOf(JobCompleted.class);
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        // a second completion, even with the right token, finds the job finished
        assertThat(((Refused) job.complete(E2, 2, JsonNodeFactory.instance.nullNode(), holders, expired)).reason())
                .isEqualTo(Job.STALE_LEASE);
    }

    @Test
    void aStrangerWithAStaleTokenIsToldOnlyThatTheLeaseIsNotItsAndLeavesNoHistory() {
        Job job = job(3);
        lease(job, E1, T0);
        job.expireLease(T0.plusSeconds(31), backoff);
        UUID stranger = UUID.randomUUID();
        // tokens count up: a stranger may try the old one, the current one and those above it
        for (long token : new long[] { 0, 1, 2, 7 }) {
            List<Refused> refusals = List.of(
                    (Refused) job.complete(stranger, token, JsonNodeFactory.instance.nullNode(), holders, T0.plusSeconds(40)),
                    (Refused) job.heartbeat(stranger, token, holders, T0.plusSeconds(40)),
                    (Refused) job.fail(stranger, token, "x", true, holders, T0.plusSeconds(40), backoff));
            for (Refused refused : refusals) {
                assertThat(refused.reason()).as("token %d", token).isEqualTo(Job.NOT_LESSEE);
                assertThat(refused.recorded()).as("nothing in the job's history").isNull();
                assertThat(refused.detail()).doesNotContain("QUEUED").doesNotContain("token");
            }
        }
        // the holder of the expired lease is still told why, and its attempt is kept
        Refused holder = (Refused) job.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, T0.plusSeconds(40));
        assertThat(holder.reason()).isEqualTo(Job.STALE_LEASE);
        assertThat(holder.recorded().kind()).isEqualTo("STALE_LEASE_REJECTED");
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);

        // the same for a job cancelled while leased: its executor is told, a stranger with its token is not
        Job cancelled = job(3);
        lease(cancelled, E1, T0);
        cancelled.cancel(SUBMITTER, false, T0);
        assertThat(((Refused) cancelled.complete(stranger, 1, JsonNodeFactory.instance.nullNode(), holders, T0)).reason())
                .isEqualTo(Job.NOT_LESSEE);
        assertThat(((Refused) cancelled.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, T0)).reason())
                .isEqualTo(Job.JOB_CANCELLED);
    }

    @Test
    void anExpiredButUnrescuedLeaseMayStillCompleteBecauseNobodyElseHoldsIt() {
        Job job = job(1);
        lease(job, E1, T0);
        assertThat(job.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, T0.plusSeconds(60))).isInstanceOf(Changed.class);
    }

    @Test
    void heartbeatsExtendTheLease() {
        Job job = job(1);
        lease(job, E1, T0);
        assertThat(job.heartbeat(E1, 1, holders, T0.plusSeconds(20))).isInstanceOf(Changed.class);
        assertThat(job.leaseExpiresAt()).isEqualTo(T0.plusSeconds(50));
    }

    @Test
    void retryableFailuresBackOffExponentiallyAndTheLastOneIsDead() {
        Job job = job(3);
        Instant now = T0;
        long previousDelay = 0;
        for (int attempt = 1; attempt <= 3; attempt++) {
            lease(job, E1, now);
            JobFailed failed = (JobFailed) ((Changed) job.fail(E1, attempt, "boom", true, holders, now, backoff)).event();
            if (attempt < 3) {
                assertThat(failed.next()).isEqualTo(JobStatus.QUEUED);
                long delay = Duration.between(now, failed.retryAt()).toMillis();
                assertThat(delay).isGreaterThan(previousDelay);
                previousDelay = delay;
                now = failed.retryAt();
            } else {
                assertThat(failed.next()).isEqualTo(JobStatus.DEAD);
                assertThat(failed.retryAt()).isNull();
            }
        }
        assertThat(job.status()).isEqualTo(JobStatus.DEAD);
        assertThat(job.attempts()).isEqualTo(3);
    }

    @Test
    void aFailureThatIsNotRetryableEndsTheJob() {
        Job job = job(3);
        lease(job, E1, T0);
        job.fail(E1, 1, "bad spec", false, holders, T0, backoff);
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
    }

    @Test
    void onlyTheSubmitterOrTheAdminCancelsAndTheExecutorOfACancelledLeaseIsToldSo() {
        Job job = job(3);
        lease(job, E1, T0);
        assertThat(((Refused) job.cancel(E1, false, T0)).reason()).isEqualTo(CommandPolicy.FORBIDDEN);
        Changed cancelled = (Changed) job.cancel(SUBMITTER, false, T0);
        assertThat(cancelled.leaseEnded().outcome()).isEqualTo("CANCELLED");
        assertThat(((Refused) job.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, T0)).reason())
                .isEqualTo(Job.JOB_CANCELLED);
        assertThat(((Refused) job.heartbeat(E1, 0, holders, T0)).reason()).as("a token E1 was never granted")
                .isEqualTo(Job.NOT_LESSEE);
        assertThat(((Refused) job.cancel(SUBMITTER, false, T0)).reason()).isEqualTo(Job.JOB_FINISHED);
        assertThat(((Refused) job.cancel(E1, false, T0)).reason()).isEqualTo(CommandPolicy.FORBIDDEN); // tells nothing

        Job byAdmin = job(3);
        assertThat(byAdmin.cancel(E1, true, T0)).isInstanceOfSatisfying(Changed.class,
                c -> assertThat(c.history().detail()).isEqualTo("by the admin"));
        assertThat(byAdmin.status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aPricedJobRunsOnlyOnceItsPriceIsHeldAndPaysTheExecutorThatCompletedIt() {
        Job job = Job.submitted(new SubmitJob(UUID.randomUUID(), SUBMITTER, JsonNodeFactory.instance.objectNode(), 5, 2,
                Duration.ofSeconds(30), 40L), T0);
        assertThat(job.status()).isEqualTo(JobStatus.AWAITING_ESCROW);
        assertThat(job.isRunnable(T0)).isFalse();
        EscrowStep reserve = job.reservation();
        // held until the job worker settles it, however long the job takes
        assertThat(reserve.command()).isEqualTo(new ReserveKarma(SUBMITTER, JobEscrow.ACCOUNT, 40,
                Instant.parse("9999-12-31T23:59:59Z")));
        assertThat(reserve.commandId()).isEqualTo(EscrowStep.commandId(job.id(), EscrowStep.Kind.RESERVE));

        job.escrowReserved(T0.plusSeconds(1));
        assertThat(job.isRunnable(T0.plusSeconds(1))).isTrue();
        assertThat(job.settlement()).isNull(); // not finished yet
        lease(job, E1, T0.plusSeconds(1));
        job.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, T0.plusSeconds(2));
        EscrowStep post = job.settlement();
        assertThat(post.command()).isEqualTo(new PostPending(reserve.commandId()));
        assertThat(job.settlement()).isNull(); // settled once
        assertThat(job.escrowPosted().command()).isEqualTo(new TransferKarma(JobEscrow.ACCOUNT, E1, 40));
        job.escrowSettled(EscrowStatus.PAID, null);
        assertThat(job.escrowStatus()).isEqualTo(EscrowStatus.PAID);
    }

    @Test
    void aJobCancelledWhileItsReservationIsOnItsWayIsRefundedWhenTheReservationArrives() {
        Job job = Job.submitted(new SubmitJob(UUID.randomUUID(), SUBMITTER, JsonNodeFactory.instance.objectNode(), 5, 2,
                Duration.ofSeconds(30), 40L), T0);
        job.cancel(SUBMITTER, false, T0);
        assertThat(job.settlement()).isNull();
        job.escrowReserved(T0);
        assertThat(job.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(job.settlement().command()).isEqualTo(new VoidPending(EscrowStep.commandId(job.id(), EscrowStep.Kind.RESERVE)));
        assertThat(job.escrowStatus()).isEqualTo(EscrowStatus.REFUNDING);
    }

    @Test
    void aRefusedReservationRejectsTheJob() {
        Job job = Job.submitted(new SubmitJob(UUID.randomUUID(), SUBMITTER, JsonNodeFactory.instance.objectNode(), 5, 2,
                Duration.ofSeconds(30), 40L), T0);
        job.escrowRejected("INSUFFICIENT_FUNDS", "balance 5");
        assertThat(job.status()).isEqualTo(JobStatus.REJECTED);
        assertThat(job.settlement()).isNull();
    }

    @Test
    void aStepWithoutAnOutcomeLeavesTheEscrowStuckAndAJobWaitingForItsPriceNeverRuns() {
        Job waiting = Job.submitted(new SubmitJob(UUID.randomUUID(), SUBMITTER, JsonNodeFactory.instance.objectNode(), 5,
                2, Duration.ofSeconds(30), 40L), T0);
        Transition t = waiting.escrowNoOutcome();
        assertThat(waiting.escrowStatus()).isEqualTo(EscrowStatus.STUCK);
        assertThat(waiting.status()).isEqualTo(JobStatus.REJECTED);
        assertThat(((Transition.Changed) t).history().detail()).isEqualTo(Job.NO_OUTCOME);

        Job paying = Job.submitted(new SubmitJob(UUID.randomUUID(), SUBMITTER, JsonNodeFactory.instance.objectNode(), 5,
                2, Duration.ofSeconds(30), 40L), T0);
        paying.escrowReserved(T0);
        lease(paying, E1, T0);
        paying.complete(E1, 1, JsonNodeFactory.instance.nullNode(), holders, T0);
        paying.settlement();
        Transition.Changed c = (Transition.Changed) paying.escrowNoOutcome();
        assertThat(paying.escrowStatus()).isEqualTo(EscrowStatus.STUCK);
        assertThat(paying.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(c.history().kind()).isEqualTo("ESCROW_STUCK");
        assertThat(c.history().detail()).isEqualTo(Job.NO_OUTCOME);
    }

    @Test
    void backoffGrowsUntilTheCapAndJitterStaysBounded() {
        Backoff noJitter = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 0.25, () -> 0);
        assertThat(noJitter.after(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(noJitter.after(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(noJitter.after(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(noJitter.after(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(noJitter.after(200)).isEqualTo(Duration.ofSeconds(10));
        assertThat(backoff.after(1)).isBetween(Duration.ofSeconds(1), Duration.ofMillis(1250));
    }
}
