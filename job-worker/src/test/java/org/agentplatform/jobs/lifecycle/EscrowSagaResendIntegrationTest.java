package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.VoidPending;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Escrow steps that never reach the ledger (lost between the broker's acknowledgement and the ledger's inbox, as
 * when a record is dead-lettered during a database crash), with the real ledger worker running: the saga resends
 * them, and marks the escrow STUCK, counted, when resending does not help. The saga is stopped while a step is
 * written so that the test decides what its first publication was.
 */
@TestPropertySource(properties = {"platform.consumer.delete-outbox-rows=false", "platform.jobs.saga-interval=50ms",
        "platform.jobs.saga-resend-after=1s", "platform.jobs.saga-max-resends=" + EscrowSagaResendIntegrationTest.MAX_RESENDS})
class EscrowSagaResendIntegrationTest extends AbstractEscrowIntegrationTest {

    static final int MAX_RESENDS = 3;

    @Autowired
    MeterRegistry meters;

    final UUID rich = UUID.randomUUID();
    final UUID executor = UUID.randomUUID();

    @BeforeEach
    void agents() {
        ledger(new RegisterAgent(rich, "agent-" + rich), "test");
        ledger(new RegisterAgent(executor, "agent-" + executor), "test");
        awaitAccounts(rich, executor);
        ledger(new GrantKarma(rich, 1000), "test");
        await().atMost(WAIT).until(() -> balance(rich) == 1000);
    }

    @Test
    void aStepWhoseFirstPublicationWasLostIsResentAndTheExecutorIsPaid() {
        UUID job = completedWhileTheSagaIsStopped(rich, executor, 100);
        UUID post = EscrowStep.commandId(job, EscrowStep.Kind.POST);
        // marked sent as if the broker had it, but the ledger never will: the publication is lost
        assertThat(jdbc.update("update job_saga_commands set sent_at = ? where id = ? and sent_at is null",
                java.sql.Timestamp.from(Instant.now()), post)).isOne();
        saga.start();

        await().atMost(WAIT).until(() -> "PAID".equals(escrow(job)) || "STUCK".equals(escrow(job)));
        assertThat(escrow(job)).isEqualTo("PAID");
        Map<String, Object> row = jdbc.queryForMap(
                "select attempts, last_sent_at, outcome from job_saga_commands where id = ?", post);
        assertThat((Integer) row.get("attempts")).isGreaterThanOrEqualTo(2);
        assertThat(row.get("last_sent_at")).isNotNull();
        assertThat(row.get("outcome")).isEqualTo("APPLIED");
        assertThat(balance(executor)).isEqualTo(100);
        assertThat(account(rich)).containsEntry("balance", 900L).containsEntry("pending_debits", 0L);
        assertThat(account(JobEscrow.ACCOUNT)).containsEntry("balance", 0L).containsEntry("pending_credits", 0L);
        assertThat(jdbc.queryForList("select kind from job_history where job_id = ? and kind like 'ESCROW%' order by id",
                String.class, job)).containsExactly("ESCROW_HELD", "ESCROW_PAID");
    }

    @Test
    void aStepTheLedgerNeverSeesEndsStuckWithNoOutcomeAfterTheLastResendAndIsCounted() {
        UUID job = completedWhileTheSagaIsStopped(rich, executor, 60);
        UUID post = EscrowStep.commandId(job, EscrowStep.Kind.POST);
        // every publication of this record is dead-lettered by the ledger (unknown type): DEAD_LETTERED, never decided
        assertThat(jdbc.update("update job_saga_commands set envelope = jsonb_set(envelope, '{type}', '\"Lost\"') "
                + "where id = ? and sent_at is null", post)).isOne();
        double stuckBefore = stuck("no_outcome");
        saga.start();

        await().atMost(WAIT).until(() -> "STUCK".equals(escrow(job)));
        Map<String, Object> row = jdbc.queryForMap(
                "select attempts, resolved_at, outcome, reason from job_saga_commands where id = ?", post);
        assertThat(row).containsEntry("attempts", 1 + MAX_RESENDS).containsEntry("outcome", "NO_OUTCOME")
                .containsEntry("reason", "NO_OUTCOME");
        assertThat(row.get("resolved_at")).isNotNull();
        assertThat(client.outcome(post)).isEqualTo("MALFORMED_COMMAND");
        assertThat(jdbc.queryForList("select kind || ':' || coalesce(detail, '') from job_history "
                + "where job_id = ? and kind like 'ESCROW%' order by id", String.class, job))
                .containsExactly("ESCROW_HELD:", "ESCROW_STUCK:NO_OUTCOME");
        assertThat(client.eventTypes(job)).endsWith("JobEscrowSettled");
        // the price is still held for the operator: nothing was paid or refunded
        assertThat(account(rich)).containsEntry("balance", 1000L).containsEntry("pending_debits", 60L);
        assertThat(balance(executor)).isZero();
        assertThat(stuck("no_outcome")).isEqualTo(stuckBefore + 1);
    }

    @Test
    void aSettlementTheLedgerRefusesIsCountedStuck() {
        UUID job = completedWhileTheSagaIsStopped(rich, executor, 30);
        UUID hold = EscrowStep.commandId(job, EscrowStep.Kind.RESERVE);
        // the hold is voided behind the saga's back (as its controller), so the ledger refuses to post it
        UUID voided = ledger(new VoidPending(hold), "job-worker");
        await().atMost(WAIT).until(() -> "APPLIED".equals(client.outcome(voided)));
        double stuckBefore = stuck("refused");
        saga.start();

        await().atMost(WAIT).until(() -> "STUCK".equals(escrow(job)));
        assertThat(client.outcome(EscrowStep.commandId(job, EscrowStep.Kind.POST))).isNotNull().isNotEqualTo("APPLIED");
        assertThat(stuck("refused")).isEqualTo(stuckBefore + 1);
    }

    private double stuck(String cause) {
        Counter counter = meters.find("platform.jobs.escrow.stuck").tag("cause", cause).counter();
        return counter == null ? 0 : counter.count();
    }
}
