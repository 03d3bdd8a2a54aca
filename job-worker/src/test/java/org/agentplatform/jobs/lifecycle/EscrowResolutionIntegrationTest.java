package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The admin resolves STUCK escrows with the real ledger worker running: money moves only from where the ledger's
 * record says it is, a step with no outcome is retried under its own id first, and every resolution, accepted or
 * refused, is in the job's (audited) history.
 */
// a lost step is given up after about 14 s; a step that merely waits for a busy ledger is not
@TestPropertySource(properties = {"platform.consumer.delete-outbox-rows=false", "platform.jobs.saga-interval=50ms",
        "platform.jobs.saga-resend-after=2s", "platform.jobs.saga-max-resends=6"})
class EscrowResolutionIntegrationTest extends AbstractEscrowIntegrationTest {

    static final Duration GIVE_UP = Duration.ofSeconds(90);

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

    @Test
    void aPaymentWithNoOutcomeBlocksRefundAndPayUntilItIsRetriedUnderItsOwnId() {
        UUID job = postedWithThePaymentWaiting(60);
        UUID pay = EscrowStep.commandId(job, EscrowStep.Kind.PAY);
        // every publication of the payment is dead-lettered by the ledger: the escrow ends STUCK with no outcome
        assertThat(jdbc.update("update job_saga_commands set envelope = jsonb_set(envelope, '{type}', '\"Lost\"') "
                + "where id = ? and sent_at is null", pay)).isOne();
        saga.start();
        await().atMost(GIVE_UP).until(() -> "STUCK".equals(escrow(job)));

        // the payment may still be applied (a replayed dead letter): refunding or paying now could pay out twice
        awaitOutcome(admin(job, ResolveEscrow.Action.REFUND, "submitter asked"), Job.OUTCOME_UNKNOWN);
        awaitOutcome(admin(job, ResolveEscrow.Action.PAY, "executor asked"), Job.OUTCOME_UNKNOWN);
        assertThat(escrow(job)).isEqualTo("STUCK");
        assertThat(balance(executor)).isZero();

        // the cause is fixed; RETRY sends the same command again, and the saga runs on to the payment
        assertThat(jdbc.update("update job_saga_commands set envelope = jsonb_set(envelope, '{type}', '\"TransferKarma\"') "
                + "where id = ?", pay)).isOne();
        awaitOutcome(admin(job, ResolveEscrow.Action.RETRY, "ledger fixed"), "APPLIED");
        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)));
        assertThat(client.outcome(pay)).isEqualTo("APPLIED");
        assertThat(balance(executor)).isEqualTo(60);
        assertThat(account(rich)).containsEntry("balance", 940L).containsEntry("pending_debits", 0L);
        assertThat(account(JobEscrow.ACCOUNT)).containsEntry("balance", 0L).containsEntry("pending_credits", 0L);
        assertThat(resolutions(job)).containsExactly(
                "ESCROW_RESOLUTION_REFUSED:REFUND (submitter asked): OUTCOME_UNKNOWN: the ledger has no final outcome for PAY "
                        + pay + ", which may still be applied: RETRY first",
                "ESCROW_RESOLUTION_REFUSED:PAY (executor asked): OUTCOME_UNKNOWN: the ledger has no final outcome for PAY "
                        + pay + ", which may still be applied: RETRY first",
                "ESCROW_RESOLUTION:RETRY (ledger fixed): sending PAY " + pay + " again");
        // the payment's two outcomes (given up on, then paid) are two events, with ids of their own
        assertThat(jdbc.queryForList("select payload->'payload'->>'outcome' from outbox where aggregate_id = ? "
                + "and event_type = 'JobEscrowSettled' order by created_at", String.class, job.toString()))
                .containsExactly("STUCK", "PAID");

        // settled: nothing more to resolve
        awaitOutcome(admin(job, ResolveEscrow.Action.REFUND, "again"), Job.ESCROW_NOT_STUCK);
        assertThat(balance(executor)).isEqualTo(60);
    }

    @Test
    void aHoldWhosePostHasNoOutcomeIsRefundedAndTheLatePostIsRefusedByTheLedger() {
        UUID job = completedWhileTheSagaIsStopped(rich, executor, 45);
        UUID post = EscrowStep.commandId(job, EscrowStep.Kind.POST);
        assertThat(jdbc.update("update job_saga_commands set envelope = jsonb_set(envelope, '{type}', '\"Lost\"') "
                + "where id = ? and sent_at is null", post)).isOne();
        saga.start();
        await().atMost(GIVE_UP).until(() -> "STUCK".equals(escrow(job)));

        // the ledger still holds the price: a post and a void of one hold are decided once, so refunding is safe
        awaitOutcome(admin(job, ResolveEscrow.Action.REFUND, "executor unreachable"), "APPLIED");
        await().atMost(WAIT).until(() -> "REFUNDED".equals(escrow(job)));
        assertThat(account(rich)).containsEntry("balance", 1000L).containsEntry("pending_debits", 0L);
        assertThat(resolutions(job)).containsExactly("ESCROW_RESOLUTION:REFUND (executor unreachable): voiding the hold");

        // the lost post arrives after all (a replayed dead letter): the ledger refuses it, nothing moves
        String envelope = jdbc.queryForObject("select jsonb_set(envelope, '{type}', '\"PostPending\"')::text "
                + "from job_saga_commands where id = ?", String.class, post);
        publish(post, envelope);
        await().atMost(WAIT).until(() -> !"MALFORMED_COMMAND".equals(client.outcome(post)));
        assertThat(client.outcome(post)).isNotEqualTo("APPLIED");
        assertThat(account(rich)).containsEntry("balance", 1000L);
        assertThat(balance(executor)).isZero();
        assertThat(escrow(job)).isEqualTo("REFUNDED");
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
        UUID job = postedWithThePaymentWaiting(price);
        UUID drained = ledger(new TransferKarma(JobEscrow.ACCOUNT, thief, price), "test");
        await().atMost(WAIT).until(() -> "APPLIED".equals(client.outcome(drained)));
        saga.start();
        await().atMost(WAIT).until(() -> "STUCK".equals(escrow(job)));
        assertThat(client.outcome(EscrowStep.commandId(job, EscrowStep.Kind.PAY))).isEqualTo("INSUFFICIENT_FUNDS");
        return job;
    }

    /**
     * A job completed and its hold posted into the escrow account, with the saga's relay stopped: the post is
     * published here as the relay would, and the payment the tracker then writes waits, unsent.
     */
    private UUID postedWithThePaymentWaiting(long price) {
        UUID job = completedWhileTheSagaIsStopped(rich, executor, price);
        UUID post = EscrowStep.commandId(job, EscrowStep.Kind.POST);
        publish(post, jdbc.queryForObject("select envelope::text from job_saga_commands where id = ?", String.class, post));
        jdbc.update("update job_saga_commands set sent_at = now() where id = ?", post);
        UUID pay = EscrowStep.commandId(job, EscrowStep.Kind.PAY);
        await().atMost(WAIT).until(() -> jdbc.queryForObject("select count(*) from job_saga_commands where id = ?",
                Long.class, pay) == 1);
        return job;
    }

    /** Publishes a saga command's envelope to the ledger's topic, keyed as the relay keys it. */
    private void publish(UUID commandId, String envelope) {
        String key = jdbc.queryForObject("select topic_key from job_saga_commands where id = ?", String.class, commandId);
        try {
            ledgerProducer.send(new ProducerRecord<>(new Topics(env.topicPrefix()).commandsFor(new PostPending(commandId)),
                    key, envelope.getBytes(StandardCharsets.UTF_8))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
