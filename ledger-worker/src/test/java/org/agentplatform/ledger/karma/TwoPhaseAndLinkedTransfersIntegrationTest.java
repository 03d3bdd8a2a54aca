package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.dao.DataAccessException;
import org.springframework.test.context.TestPropertySource;

/** Suspension, two-phase transfers with expiry, and linked transfers, through the real broker and database. */
@Import(MutableClock.ApplicationClock.class)
@TestPropertySource(properties = {"platform.ledger.expiry-sweep-interval-ms=100",
        "spring.main.allow-bean-definition-overriding=true"})
class TwoPhaseAndLinkedTransfersIntegrationTest extends AbstractLedgerIntegrationTest {

    @Autowired
    MutableClock clock;

    @Test
    void aSuspendedAgentCannotSpendUntilReactivated() {
        UUID a = probe().fundedAgent("suspended-alice", 100);
        UUID b = probe().agent("suspended-bob");
        probe().awaitOutcome(client.send(new SuspendAgent(a)), "APPLIED");
        assertThat(jdbc.queryForObject("select status from agents where id = ?", String.class, a)).isEqualTo("SUSPENDED");

        probe().assertRejected(client.send(new TransferKarma(a, b, 10)), "AGENT_SUSPENDED");
        probe().assertRejected(client.send(new ReserveKarma(a, b, 10, clock.instant().plusSeconds(3600))), "AGENT_SUSPENDED");
        probe().assertRejected(client.send(new SuspendAgent(a)), "AGENT_SUSPENDED");
        probe().awaitOutcome(client.send(new GrantKarma(a, 5)), "APPLIED"); // credits still arrive

        probe().awaitOutcome(client.send(new ReactivateAgent(a)), "APPLIED");
        probe().awaitOutcome(client.send(new TransferKarma(a, b, 10)), "APPLIED");
        assertThat(probe().balance(a)).isEqualTo(95);
        probe().assertRejected(client.send(new SuspendAgent(UUID.randomUUID())), "UNKNOWN_AGENT");
        assertInvariants();
    }

    @Test
    void reservesThenPostsOrVoids() {
        UUID a = probe().fundedAgent("two-phase-alice", 100);
        UUID b = probe().agent("two-phase-bob");
        UUID pending = client.send(new ReserveKarma(a, b, 40, clock.instant().plusSeconds(3600)));
        probe().awaitOutcome(pending, "APPLIED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", a))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 40L);
        assertThat(jdbc.queryForObject("select pending_credits from accounts where id = ?", Long.class, b)).isEqualTo(40);
        probe().assertRejected(client.send(new TransferKarma(a, b, 61)), "INSUFFICIENT_FUNDS");

        UUID post = client.send(new PostPending(pending));
        probe().awaitOutcome(post, "APPLIED");
        assertThat(probe().balance(a)).isEqualTo(60);
        assertThat(probe().balance(b)).isEqualTo(40);
        assertThat(jdbc.queryForMap("select status, pending_id, debit_balance_before, debit_balance_after from transfers where id = ?", post))
                .containsEntry("status", "POSTED").containsEntry("pending_id", pending)
                .containsEntry("debit_balance_before", 100L).containsEntry("debit_balance_after", 60L);
        assertThat(jdbc.queryForObject("select status from transfers where id = ?", String.class, pending)).isEqualTo("PENDING");
        probe().assertRejected(client.send(new PostPending(pending)), "PENDING_ALREADY_POSTED");
        probe().assertRejected(client.send(new VoidPending(pending)), "PENDING_ALREADY_POSTED");
        // an id that is a transfer but no reservation never becomes one: refused at once (an unknown id waits for
        // its reservation: PostBeforeReservationIntegrationTest)
        probe().assertRejected(client.send(new PostPending(post)), "PENDING_NOT_FOUND");

        UUID voided = client.send(new ReserveKarma(a, b, 60, clock.instant().plusSeconds(3600)));
        probe().awaitOutcome(voided, "APPLIED");
        UUID voiding = client.send(new VoidPending(voided));
        probe().awaitOutcome(voiding, "APPLIED");
        assertThat(jdbc.queryForObject("select status from transfers where pending_id = ?", String.class, voided)).isEqualTo("VOIDED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", a))
                .containsEntry("balance", 60L).containsEntry("pending_debits", 0L);
        assertThat(probe().outboxTypesCausedBy(voiding)).containsExactly("PendingVoided");
        assertInvariants();
    }

    @Test
    void onlyTheAgentThatReservedPostsOrVoidsItsReservation() {
        UUID a = probe().fundedAgent("controller-alice", 100);
        UUID b = probe().agent("controller-bob");
        UUID reserved = client.send(new ReserveKarma(a, b, 30, clock.instant().plusSeconds(3600)), a.toString());
        probe().awaitOutcome(reserved, "APPLIED");
        assertThat(jdbc.queryForObject("select controller from transfers where id = ?", String.class, reserved))
                .isEqualTo(a.toString());

        // the credited agent would gladly post it, a bystander service would void it: neither controls it
        probe().assertRejected(client.send(new PostPending(reserved), b.toString()), CommandPolicy.FORBIDDEN);
        probe().assertRejected(client.send(new VoidPending(reserved), "some-service"), CommandPolicy.FORBIDDEN);
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", a))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 30L);

        probe().awaitOutcome(client.send(new PostPending(reserved), a.toString()), "APPLIED");
        assertThat(probe().balance(a)).isEqualTo(70);
        assertThat(probe().balance(b)).isEqualTo(30);
        assertInvariants();
    }

    @Test
    void transfersAreAppendOnly() {
        UUID a = probe().fundedAgent("immutable-alice", 100);
        UUID b = probe().agent("immutable-bob");
        UUID moved = client.send(new TransferKarma(a, b, 10));
        probe().awaitOutcome(moved, "APPLIED");
        assertThatThrownBy(() -> jdbc.update("update transfers set amount = 1000 where id = ?", moved))
                .isInstanceOfSatisfying(DataAccessException.class, e -> assertThat(sqlState(e)).isEqualTo("0A000"));
        assertThatThrownBy(() -> jdbc.update("delete from transfers where id = ?", moved))
                .isInstanceOfSatisfying(DataAccessException.class, e -> assertThat(sqlState(e)).isEqualTo("0A000"));
        assertThat(jdbc.queryForObject("select amount from transfers where id = ?", Long.class, moved)).isEqualTo(10);
        assertInvariants();
    }

    private static String sqlState(DataAccessException e) {
        return e.getMostSpecificCause() instanceof SQLException sql ? sql.getSQLState() : null;
    }

    @Test
    void theWorkerVoidsExpiredReservations() {
        UUID a = probe().fundedAgent("expiry-alice", 100);
        UUID b = probe().agent("expiry-bob");
        UUID pending = client.send(new ReserveKarma(a, b, 70, clock.instant().plusSeconds(60)));
        probe().awaitOutcome(pending, "APPLIED");
        assertThat(jdbc.queryForObject("select pending_debits from accounts where id = ?", Long.class, a)).isEqualTo(70);

        clock.advance(Duration.ofSeconds(61));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                jdbc.queryForList("select status from transfers where pending_id = ?", String.class, pending))
                .containsExactly("EXPIRED"));
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", a))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 0L);
        assertThat(jdbc.queryForObject("select pending_credits from accounts where id = ?", Long.class, b)).isZero();
        assertThat(jdbc.queryForObject("select payload->'payload'->>'status' from outbox where event_type = 'PendingVoided' "
                + "and payload->'payload'->>'pendingId' = ?", String.class, pending.toString())).isEqualTo("EXPIRED");
        probe().assertRejected(client.send(new PostPending(pending)), "PENDING_EXPIRED");
        probe().assertRejected(client.send(new ReserveKarma(a, b, 1, clock.instant())), "EXPIRY_NOT_IN_FUTURE");
        assertInvariants();
    }

    @Test
    void linkedTransfersApplyTogetherOrNotAtAll() {
        UUID a = probe().fundedAgent("linked-alice", 100);
        UUID b = probe().agent("linked-bob");
        UUID c = probe().agent("linked-carol");
        UUID failing = client.send(new TransferBatch(List.of(new TransferBatch.Leg(a, b, 50),
                new TransferBatch.Leg(b, c, 20), new TransferBatch.Leg(a, c, 51))));
        probe().assertRejected(failing, "INSUFFICIENT_FUNDS");
        assertThat(jdbc.queryForObject("select detail from processed_commands where command_id = ?", String.class, failing))
                .startsWith("transfer 2:");
        assertThat(jdbc.queryForObject("select count(*) from transfers where id = any(?)", Long.class,
                (Object) new UUID[] {TransferBatch.legId(failing, 0), TransferBatch.legId(failing, 1)})).isZero();
        assertThat(probe().balance(a)).isEqualTo(100);
        assertThat(probe().balance(b)).isZero();

        UUID linked = client.send(new TransferBatch(List.of(new TransferBatch.Leg(a, b, 50),
                new TransferBatch.Leg(b, c, 20), new TransferBatch.Leg(a, c, 50))));
        probe().awaitOutcome(linked, "APPLIED");
        assertThat(List.of(probe().balance(a), probe().balance(b), probe().balance(c))).containsExactly(0L, 30L, 70L);
        assertThat(probe().outboxTypesCausedBy(linked)).containsExactly("TransferPosted", "TransferPosted", "TransferPosted");
        assertInvariants();
    }
}
