package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.VoidPending;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Priced jobs with the real ledger worker running next to the job worker: the price is reserved before the job
 * is runnable, paid to the executor that completed it, refunded on cancel or death, and a submitter who
 * cannot pay never gets the job run.
 */
@TestPropertySource(properties = {"platform.consumer.delete-outbox-rows=false", "platform.jobs.backoff-base=100ms",
        "platform.jobs.rescue-interval=50ms", "platform.jobs.saga-interval=50ms"})
class EscrowSagaIntegrationTest extends AbstractEscrowIntegrationTest {

    final UUID rich = UUID.randomUUID();
    final UUID e1 = UUID.randomUUID();
    final UUID e2 = UUID.randomUUID();

    @BeforeEach
    void agents() {
        for (UUID agent : new UUID[] {rich, e1, e2}) {
            ledger(new RegisterAgent(agent, "agent-" + agent));
        }
        awaitAccounts(rich, e1, e2);
        ledger(new GrantKarma(rich, 1000));
        await().atMost(WAIT).until(() -> balance(rich) == 1000);
    }

    @AfterEach
    void cancelWhatIsLeft() {
        jdbc.update("update jobs set status = 'CANCELLED', lessee = null, lease_expires_at = null "
                + "where status in ('QUEUED', 'LEASED', 'AWAITING_ESCROW')");
    }

    @Test
    void aRescuedPricedJobPaysOnlyTheExecutorThatFinishedItOnce() {
        SubmitJob submit = priced(rich, 100, 3, Duration.ofMillis(500));
        UUID job = submit.jobId();
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)) && client.isRunnable(job));
        assertThat(account(rich)).containsEntry("balance", 1000L).containsEntry("pending_debits", 100L);

        awaitOutcome(client.send(new RequestLease(e1)), "APPLIED");
        // e1 pauses; its lease expires and is rescued; e2 gets the job
        await().atMost(WAIT).until(() -> client.isRunnable(job));
        awaitOutcome(client.send(new RequestLease(e2)), "APPLIED");
        awaitOutcome(client.send(new CompleteJob(job, e1, 1, JsonNodeFactory.instance.textNode("e1"))), "STALE_LEASE");
        awaitOutcome(client.send(new CompleteJob(job, e2, 2, JsonNodeFactory.instance.textNode("e2"))), "APPLIED");
        awaitOutcome(client.send(new CompleteJob(job, e2, 2, JsonNodeFactory.instance.textNode("e2"))), "STALE_LEASE");

        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)));
        assertThat(balance(e2)).isEqualTo(100);
        assertThat(balance(e1)).isZero();
        assertThat(account(rich)).containsEntry("balance", 900L).containsEntry("pending_debits", 0L);
        assertThat(account(JobEscrow.ACCOUNT)).containsEntry("balance", 0L).containsEntry("pending_credits", 0L);
        assertThat(jdbc.queryForObject("select count(*) from transfers where credit_account_id = ? and debit_account_id = ?",
                Long.class, e2, JobEscrow.ACCOUNT)).isOne();
        assertThat(jdbc.queryForList("select kind from job_history where job_id = ? and kind like 'ESCROW%' order by id",
                String.class, job)).containsExactly("ESCROW_HELD", "ESCROW_PAID");
        assertConservation();
    }

    @Test
    void aSubmitterWhoCannotPayNeverGetsTheJobRun() {
        UUID poor = UUID.randomUUID();
        ledger(new RegisterAgent(poor, "poor"));
        awaitAccounts(poor);
        ledger(new GrantKarma(poor, 5));
        await().atMost(WAIT).until(() -> balance(poor) == 5);
        SubmitJob submit = priced(poor, 100, 3, Duration.ofSeconds(30));
        client.send(submit);
        await().atMost(WAIT).until(() -> "REJECTED".equals(escrow(submit.jobId())));
        assertThat(client.job(submit.jobId())).containsEntry("status", "REJECTED");
        assertThat(account(poor)).containsEntry("balance", 5L).containsEntry("pending_debits", 0L);
        assertThat(client.eventTypes(submit.jobId())).containsExactly("JobSubmitted", "JobEscrowRejected");
        assertConservation();
    }

    @Test
    void cancelledAndDeadJobsAreRefundedOnce() {
        SubmitJob cancelled = priced(rich, 70, 3, Duration.ofSeconds(30));
        SubmitJob dies = priced(rich, 30, 1, Duration.ofMillis(300));
        client.send(cancelled);
        // cancelled at once, possibly before the ledger answered the reservation: refunded either way
        awaitOutcome(client.send(new CancelJob(cancelled.jobId(), rich)), "APPLIED");
        client.send(dies);
        await().atMost(WAIT).until(() -> client.isRunnable(dies.jobId()));
        awaitOutcome(client.send(new RequestLease(e1)), "APPLIED"); // and never completes: dead after 1 attempt

        await().atMost(WAIT).until(() -> "REFUNDED".equals(escrow(cancelled.jobId())) && "REFUNDED".equals(escrow(dies.jobId())));
        assertThat(client.job(dies.jobId())).containsEntry("status", "DEAD");
        assertThat(account(rich)).containsEntry("balance", 1000L).containsEntry("pending_debits", 0L);
        assertThat(balance(e1)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from transfers where pending_id = any(?) and status = 'VOIDED'",
                Long.class, (Object) new UUID[] {EscrowStep.commandId(cancelled.jobId(), EscrowStep.Kind.RESERVE),
                        EscrowStep.commandId(dies.jobId(), EscrowStep.Kind.RESERVE)})).isEqualTo(2);
        assertConservation();
    }

    @Test
    void theSubmitterCanNeitherVoidNorPostItsEscrowHoldAndTheExecutorIsPaidOnce() {
        SubmitJob submit = priced(rich, 100, 3, Duration.ofSeconds(30));
        UUID job = submit.jobId();
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)) && client.isRunnable(job));
        UUID hold = EscrowStep.commandId(job, EscrowStep.Kind.RESERVE);
        assertThat(jdbc.queryForObject("select controller from transfers where id = ?", String.class, hold))
                .isEqualTo("job-worker");

        // straight to the command topic, as the submitter: taking the price back while the job runs, or paying
        // it into escrow early, is the job worker's alone
        awaitOutcome(ledger(new VoidPending(hold), rich.toString()), CommandPolicy.FORBIDDEN);
        awaitOutcome(ledger(new PostPending(hold), rich.toString()), CommandPolicy.FORBIDDEN);
        assertThat(account(rich)).containsEntry("balance", 1000L).containsEntry("pending_debits", 100L);

        awaitOutcome(client.send(new RequestLease(e1), e1.toString()), "APPLIED");
        awaitOutcome(client.send(new CompleteJob(job, e1, 1, JsonNodeFactory.instance.textNode("done")), e1.toString()),
                "APPLIED");
        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)));
        assertPaidOnce(job, e1, 100);
        assertThat(account(rich)).containsEntry("balance", 900L).containsEntry("pending_debits", 0L);
        assertConservation();
    }

    @Test
    void aSuspendedSubmittersLeasedJobIsStillPaidForWhenCompleted() {
        UUID submitter = UUID.randomUUID();
        ledger(new RegisterAgent(submitter, "soon-suspended"));
        awaitAccounts(submitter);
        ledger(new GrantKarma(submitter, 300));
        await().atMost(WAIT).until(() -> balance(submitter) == 300);
        SubmitJob submit = priced(submitter, 120, 3, Duration.ofSeconds(30));
        UUID job = submit.jobId();
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)) && client.isRunnable(job));
        awaitOutcome(client.send(new RequestLease(e2)), "APPLIED");

        // suspension stops the submitter's own spending, not the payment for work already leased
        awaitOutcome(ledger(new SuspendAgent(submitter), "admin"), "APPLIED");
        awaitOutcome(client.send(new CompleteJob(job, e2, 1, JsonNodeFactory.instance.textNode("done"))), "APPLIED");
        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)) || "STUCK".equals(escrow(job)));
        assertThat(escrow(job)).isEqualTo("PAID");
        assertPaidOnce(job, e2, 120);
        assertThat(account(submitter)).containsEntry("balance", 180L).containsEntry("pending_debits", 0L);
        assertConservation();
    }

    @Test
    void aPricedJobsHoldLastsAsLongAsTheJobCan() {
        SubmitJob submit = priced(rich, 10, 3, Duration.ofSeconds(30));
        UUID job = submit.jobId();
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)) && client.isRunnable(job));
        // the old rule held it for 30 days: a job still retrying after that paid nobody. Now the hold ends only when
        // the job worker settles it (the ledger's sweeper would void it at expires_at).
        Instant expiresAt = jdbc.queryForObject("select expires_at from transfers where id = ?", java.sql.Timestamp.class,
                EscrowStep.commandId(job, EscrowStep.Kind.RESERVE)).toInstant();
        assertThat(expiresAt).isEqualTo(Instant.parse("9999-12-31T23:59:59Z"))
                .isAfter(Instant.now().plus(Duration.ofDays(365L * 1000)));
        awaitOutcome(client.send(new RequestLease(e1)), "APPLIED");
        awaitOutcome(client.send(new CompleteJob(job, e1, 1, JsonNodeFactory.instance.textNode("late"))), "APPLIED");
        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)));
        assertPaidOnce(job, e1, 10);
        assertConservation();
    }

    /** The executor got the price exactly once, from escrow, which holds nothing afterwards. */
    private void assertPaidOnce(UUID job, UUID executor, long price) {
        assertThat(jdbc.queryForList("select amount from transfers where debit_account_id = ? and credit_account_id = ? "
                + "and id = ?", Long.class, JobEscrow.ACCOUNT, executor, EscrowStep.commandId(job, EscrowStep.Kind.PAY)))
                .containsExactly(price);
        assertThat(jdbc.queryForObject("select count(*) from transfers where pending_id = ?", Long.class,
                EscrowStep.commandId(job, EscrowStep.Kind.RESERVE))).isOne();
        assertThat(account(JobEscrow.ACCOUNT)).containsEntry("balance", 0L).containsEntry("pending_credits", 0L);
        assertThat(jdbc.queryForList("select kind from job_history where job_id = ? and kind like 'ESCROW%' order by id",
                String.class, job)).containsExactly("ESCROW_HELD", "ESCROW_PAID");
    }

    private void assertConservation() {
        assertThat(jdbc.queryForObject("select sum(balance) from accounts", Long.class)).isZero();
        assertThat(jdbc.queryForObject("select sum(pending_debits) - sum(pending_credits) from accounts", Long.class)).isZero();
    }
}
