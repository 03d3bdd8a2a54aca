package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The admin resolves STUCK escrows with the real ledger worker running: money moves only from where the ledger's
 * record says it is, a step with no outcome is retried under its own id first, and every resolution, accepted or
 * refused, is in the job's (audited) history.
 */
@TestPropertySource(properties = {"platform.consumer.delete-outbox-rows=false", "platform.jobs.saga-interval=50ms",
        "platform.jobs.saga-resend-after=1s", "platform.jobs.saga-max-resends=2"})
class EscrowResolutionIntegrationTest extends AbstractEscrowIntegrationTest {

    @Autowired
    EscrowRelay saga;

    final UUID rich = UUID.randomUUID();
    final UUID executor = UUID.randomUUID();
    final UUID thief = UUID.randomUUID();

    @BeforeEach
    void agents() {
        ledger(new RegisterAgent(rich, "agent-" + rich), "test");
        ledger(new RegisterAgent(executor, "agent-" + executor), "test");
        ledger(new RegisterAgent(thief, "agent-" + thief), "test");
        awaitAccounts(rich, executor, thief);
        ledger(new GrantKarma(rich, 1000), "test");
        await().atMost(WAIT).until(() -> balance(rich) == 1000);
    }

    @AfterEach
    void restartTheSaga() {
        if (!saga.isRunning()) {
            saga.start();
        }
    }

    @Test
    void aStepWithNoOutcomeIsRetriedUnderItsOwnIdBeforeAnyRefundOrPayment() {
        UUID job = completedWhileTheSagaIsStopped(60);
        UUID post = EscrowStep.commandId(job, EscrowStep.Kind.POST);
        // every publication is dead-lettered by the ledger: the escrow ends STUCK with no outcome
        assertThat(jdbc.update("update job_saga_commands set envelope = jsonb_set(envelope, '{type}', '\"Lost\"') "
                + "where id = ? and sent_at is null", post)).isOne();
        saga.start();
        await().atMost(WAIT).until(() -> "STUCK".equals(escrow(job)));

        // the post may still be applied (a replayed dead letter): refunding now could pay out twice
        UUID refund = admin(job, ResolveEscrow.Action.REFUND, "submitter asked");
        awaitOutcome(refund, Job.OUTCOME_UNKNOWN);
        assertThat(escrow(job)).isEqualTo("STUCK");
        assertThat(account(rich)).containsEntry("pending_debits", 60L);

        // the cause is fixed; RETRY sends the same command again, and the saga runs on to the payment
        assertThat(jdbc.update("update job_saga_commands set envelope = jsonb_set(envelope, '{type}', '\"PostPending\"') "
                + "where id = ?", post)).isOne();
        UUID retry = admin(job, ResolveEscrow.Action.RETRY, "ledger fixed");
        awaitOutcome(retry, "APPLIED");
        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)));
        assertThat(client.outcome(post)).isEqualTo("APPLIED");
        assertThat(balance(executor)).isEqualTo(60);
        assertThat(account(rich)).containsEntry("balance", 940L).containsEntry("pending_debits", 0L);
        assertThat(account(JobEscrow.ACCOUNT)).containsEntry("balance", 0L).containsEntry("pending_credits", 0L);
        assertThat(resolutions(job)).containsExactly(
                "ESCROW_RESOLUTION_REFUSED:REFUND (submitter asked): OUTCOME_UNKNOWN: the ledger has no final outcome for POST "
                        + post + ", which may still be applied: RETRY first",
                "ESCROW_RESOLUTION:RETRY (ledger fixed): sending POST " + post + " again");

        // settled: nothing more to resolve
        awaitOutcome(admin(job, ResolveEscrow.Action.REFUND, "again"), Job.ESCROW_NOT_STUCK);
        assertThat(balance(executor)).isEqualTo(60);
    }

    @Test
    void aRefusedPaymentIsRefundedFromTheEscrowAccountOrPaidOnceTheCauseIsGone() {
        UUID refunded = stuckWithThePriceInTheEscrowAccount(40);
        UUID paid = stuckWithThePriceInTheEscrowAccount(25);
        // the escrow account holds both prices again
        UUID back = ledger(new TransferKarma(thief, JobEscrow.ACCOUNT, 65), "test");
        await().atMost(WAIT).until(() -> "APPLIED".equals(client.outcome(back)));

        awaitOutcome(admin(refunded, ResolveEscrow.Action.REFUND, "job disputed"), "APPLIED");
        awaitOutcome(admin(paid, ResolveEscrow.Action.PAY, "work accepted"), "APPLIED");
        await().atMost(WAIT).until(() -> "REFUNDED".equals(escrow(refunded)) && "PAID".equals(escrow(paid)));

        assertThat(balance(rich)).isEqualTo(1000 - 25);
        assertThat(balance(executor)).isEqualTo(25);
        assertThat(account(JobEscrow.ACCOUNT)).containsEntry("balance", 0L);
        assertThat(resolutions(refunded)).containsExactly(
                "ESCROW_RESOLUTION:REFUND (job disputed): returning it from the escrow account");
        assertThat(jdbc.queryForList("select step from job_saga_commands where job_id = ? order by created_at, id",
                String.class, refunded)).containsExactly("RESERVE", "POST", "PAY", "RESOLVE_RETURN");
        // a settled escrow takes no further resolution
        awaitOutcome(admin(paid, ResolveEscrow.Action.REFUND, "late"), Job.ESCROW_NOT_STUCK);
    }

    @Test
    void aResolutionTheLedgerRefusesLeavesTheEscrowStuckForTheNextOne() {
        UUID job = stuckWithThePriceInTheEscrowAccount(30);
        // the price is still gone from the escrow account: the ledger refuses the payment again
        UUID first = admin(job, ResolveEscrow.Action.PAY, "try once");
        awaitOutcome(first, "APPLIED");
        await().atMost(WAIT).until(() -> "STUCK".equals(escrow(job)));
        assertThat(balance(executor)).isZero();

        UUID back = ledger(new TransferKarma(thief, JobEscrow.ACCOUNT, 30), "test");
        await().atMost(WAIT).until(() -> "APPLIED".equals(client.outcome(back)));
        UUID second = admin(job, ResolveEscrow.Action.PAY, "try again");
        awaitOutcome(second, "APPLIED");
        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)));
        assertThat(balance(executor)).isEqualTo(30);
        // two payments of one kind, each its own command: the ledger applied the second only
        List<String> pays = jdbc.queryForList("select outcome from job_saga_commands where job_id = ? and step = 'RESOLVE_PAY' "
                + "order by created_at, id", String.class, job);
        assertThat(pays).containsExactly("REJECTED", "APPLIED");
    }

    @Test
    void onlyTheAdminResolvesAndOnlyAStuckEscrow() {
        SubmitJob submit = priced(rich, 10, 3, Duration.ofSeconds(30));
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(submit.jobId())));

        awaitOutcome(client.send(new ResolveEscrow(submit.jobId(), ResolveEscrow.Action.REFUND, "mine"), rich.toString()),
                "FORBIDDEN");
        awaitOutcome(admin(submit.jobId(), ResolveEscrow.Action.REFUND, "not stuck"), Job.ESCROW_NOT_STUCK);
        assertThat(escrow(submit.jobId())).isEqualTo("HELD");
        assertThat(account(rich)).containsEntry("pending_debits", 10L);
        awaitOutcome(client.send(new CancelJob(submit.jobId(), rich), rich.toString()), "APPLIED");
    }

    private UUID admin(UUID job, ResolveEscrow.Action action, String reason) {
        return client.send(new ResolveEscrow(job, action, reason), "admin");
    }

    private List<String> resolutions(UUID job) {
        return jdbc.queryForList("select kind || ':' || detail from job_history where job_id = ? "
                + "and kind like 'ESCROW_RESOLUTION%' order by id", String.class, job);
    }

    /**
     * A job completed and posted, whose payment the ledger refused: the price was taken out of the escrow account
     * behind the saga's back before the payment was sent, so the escrow is STUCK with the price known to be in the
     * escrow account (less what was taken).
     */
    private UUID stuckWithThePriceInTheEscrowAccount(long price) {
        UUID job = completedWhileTheSagaIsStopped(price);
        // the post is published as the relay would; the relay stays stopped, so the payment the tracker writes waits
        UUID post = EscrowStep.commandId(job, EscrowStep.Kind.POST);
        Map<String, Object> row = jdbc.queryForMap("select topic_key, envelope::text as envelope from job_saga_commands "
                + "where id = ?", post);
        try {
            ledgerProducer.send(new ProducerRecord<>(new Topics(env.topicPrefix()).commandsFor(new PostPending(post)),
                    (String) row.get("topic_key"), ((String) row.get("envelope")).getBytes(StandardCharsets.UTF_8))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        jdbc.update("update job_saga_commands set sent_at = now() where id = ?", post);
        UUID pay = EscrowStep.commandId(job, EscrowStep.Kind.PAY);
        await().atMost(WAIT).until(() -> jdbc.queryForObject("select count(*) from job_saga_commands where id = ?",
                Long.class, pay) == 1);
        UUID drained = ledger(new TransferKarma(JobEscrow.ACCOUNT, thief, price), "test");
        await().atMost(WAIT).until(() -> "APPLIED".equals(client.outcome(drained)));
        saga.start();
        await().atMost(WAIT).until(() -> "STUCK".equals(escrow(job)));
        assertThat(client.outcome(pay)).isEqualTo("INSUFFICIENT_FUNDS");
        return job;
    }

    /** A priced job, held, leased and completed by {@link #executor} while the saga is stopped: its POST is unsent. */
    private UUID completedWhileTheSagaIsStopped(long price) {
        // ahead of any job another test left runnable, so that the lease request below gets this one
        SubmitJob base = priced(rich, price, 3, Duration.ofSeconds(30));
        SubmitJob submit = new SubmitJob(base.jobId(), rich, base.spec(), 9, 3, base.leaseTimeout(), price);
        UUID job = submit.jobId();
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)) && client.isRunnable(job));
        awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
        saga.stop();
        awaitOutcome(client.send(new CompleteJob(job, executor, 1, JsonNodeFactory.instance.textNode("done"))), "APPLIED");
        assertThat(escrow(job)).isEqualTo("PAYING");
        return job;
    }
}
