package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.ledger.KarmaReserved;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PendingPosted;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Envelope;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A post or void that overtakes its reservation (it travels on another key) waits for it, parked, and is decided
 * when the reservation arrives, or rejected once the deadline passed: through the real broker and database. The
 * clock is the test's, so the deadline passes when the test says.
 */
@Import(MutableClock.ApplicationClock.class)
@TestPropertySource(properties = {"platform.ledger.expiry-sweep-interval-ms=100",
        "platform.ledger.parked-resolutions.deadline=5s", "spring.main.allow-bean-definition-overriding=true"})
class PostBeforeReservationIntegrationTest extends AbstractLedgerIntegrationTest {

    @Autowired
    MutableClock clock;
    @Autowired
    LedgerCommandHandler handler;
    @Autowired
    PlatformTransactionManager transactions;

    @Test
    void aPostThatOvertakesItsReservationIsAppliedWhenItArrives() {
        UUID a = probe().fundedAgent("early-post-alice", 100);
        UUID b = probe().agent("early-post-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 40, "test");

        UUID post = sendParked(new PostPending(reservation.id()));
        assertThat(jdbc.queryForObject("select count(*) from parked_resolutions where command_id = ? and pending_id = ?",
                Long.class, post, reservation.id())).isEqualTo(1);
        assertThat(probe().outboxTypesCausedBy(post)).as("no event while it waits").isEmpty();
        assertThat(probe().balance(a)).isEqualTo(100);

        client.send(reservation);
        probe().awaitOutcome(reservation.id(), "APPLIED");
        probe().awaitOutcome(post, "APPLIED");
        assertThat(jdbc.queryForObject("select reason from processed_commands where command_id = ?", String.class, post))
                .isNull();
        assertThat(probe().balance(a)).isEqualTo(60);
        assertThat(probe().balance(b)).isEqualTo(40);
        assertThat(jdbc.queryForMap("select status, pending_id, debit_balance_before, debit_balance_after from transfers where id = ?", post))
                .containsEntry("status", "POSTED").containsEntry("pending_id", reservation.id())
                .containsEntry("debit_balance_before", 100L).containsEntry("debit_balance_after", 60L);
        assertThat(sameTransaction(reservation.id(), post)).as("decided by the reservation's transaction").isTrue();
        assertThat(probe().outboxTypesCausedBy(reservation.id())).containsExactly("KarmaReserved");
        assertThat(probe().outboxTypesCausedBy(post)).containsExactly("PendingPosted");
        assertThat(jdbc.queryForObject("select payload->'payload'->>'pendingId' from outbox where payload->>'causationId' = ?",
                String.class, post.toString())).isEqualTo(reservation.id().toString());
        assertNothingParked(post);
        assertInvariants();
    }

    @Test
    void aVoidThatOvertakesItsReservationReleasesItWhenItArrives() {
        UUID a = probe().fundedAgent("early-void-alice", 100);
        UUID b = probe().agent("early-void-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 70, a.toString());

        UUID voiding = sendParked(new VoidPending(reservation.id()), a.toString());
        client.send(reservation);
        probe().awaitOutcome(voiding, "APPLIED");
        probe().awaitOutcome(reservation.id(), "APPLIED");
        assertThat(jdbc.queryForList("select status from transfers where pending_id = ?", String.class, reservation.id()))
                .containsExactly("VOIDED");
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", a))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 0L);
        assertThat(jdbc.queryForObject("select pending_credits from accounts where id = ?", Long.class, b)).isZero();
        assertThat(probe().outboxTypesCausedBy(voiding)).containsExactly("PendingVoided");
        assertThat(sameTransaction(reservation.id(), voiding)).isTrue();
        assertNothingParked(voiding);
        assertInvariants();
    }

    @Test
    void ofAPostAndAVoidBothParkedTheFirstWinsAndTheOtherIsRefusedAsForADirectOne() {
        UUID a = probe().fundedAgent("both-parked-alice", 100);
        UUID b = probe().agent("both-parked-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 25, "test");

        // same key (the pending id), so the post is first
        UUID post = client.send(new PostPending(reservation.id()));
        UUID voiding = client.send(new VoidPending(reservation.id()));
        awaitParked(post);
        awaitParked(voiding);
        client.send(reservation);
        probe().awaitOutcome(post, "APPLIED");
        probe().assertRejected(voiding, "PENDING_ALREADY_POSTED");
        assertThat(jdbc.queryForList("select id from transfers where pending_id = ?", UUID.class, reservation.id()))
                .containsExactly(post);
        assertThat(probe().balance(a)).isEqualTo(75);
        assertThat(probe().outboxTypesCausedBy(voiding)).containsExactly("CommandRejected");
        assertNothingParked(post, voiding);
        assertInvariants();
    }

    @Test
    void aStrangersParkedPostIsRefusedWhenTheReservationArrivesAndTheReservationStaysPending() {
        UUID a = probe().fundedAgent("stranger-alice", 100);
        UUID b = probe().agent("stranger-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 30, a.toString());

        // bob, the credited agent, would gladly take it before alice's reservation is even applied
        UUID stolen = sendParked(new PostPending(reservation.id()), b.toString());
        client.send(reservation);
        probe().assertRejected(stolen, CommandPolicy.FORBIDDEN);
        assertThat(jdbc.queryForObject("select detail from processed_commands where command_id = ?", String.class, stolen))
                .startsWith("pending transfer " + reservation.id());
        assertThat(jdbc.queryForMap("select balance, pending_debits from accounts where id = ?", a))
                .containsEntry("balance", 100L).containsEntry("pending_debits", 30L);
        assertThat(jdbc.queryForList("select id from transfers where pending_id = ?", UUID.class, reservation.id())).isEmpty();
        assertNothingParked(stolen);

        // the stranger's attempt did not use up anything: alice still posts it
        probe().awaitOutcome(client.send(new PostPending(reservation.id()), a.toString()), "APPLIED");
        assertThat(probe().balance(b)).isEqualTo(30);
        assertInvariants();
    }

    @Test
    void aParkedCommandDeliveredAgainIsAppliedOnce() {
        UUID a = probe().fundedAgent("duplicate-alice", 100);
        UUID b = probe().agent("duplicate-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 10, "test");
        Envelope<LedgerCommand> post = client.envelope(new PostPending(reservation.id()));

        client.send(post);
        client.send(post);
        awaitParked(post.id());
        assertThat(jdbc.queryForObject("select count(*) from parked_resolutions where pending_id = ?", Long.class,
                reservation.id())).isEqualTo(1);
        client.send(reservation);
        probe().awaitOutcome(post.id(), "APPLIED");
        client.send(post); // once more, after it was decided
        // a later command on the same key: once it has its outcome, the redelivery before it was handled
        probe().assertRejected(client.send(new VoidPending(reservation.id())), "PENDING_ALREADY_POSTED");

        assertThat(jdbc.queryForObject("select count(*) from transfers where id = ?", Long.class, post.id())).isEqualTo(1);
        assertThat(probe().balance(a)).isEqualTo(90);
        assertThat(probe().outboxTypesCausedBy(post.id())).containsExactly("PendingPosted");
        assertInvariants();
    }

    @Test
    void aPostSentTogetherWithItsReservationIsAppliedWhicheverComesFirst() {
        UUID a = probe().fundedAgent("together-alice", 100);
        UUID b = probe().agent("together-bob");
        for (int i = 0; i < 5; i++) {
            Envelope<LedgerCommand> reservation = reservation(a, b, 10, "test");
            Envelope<LedgerCommand> post = client.envelope(new PostPending(reservation.id()));
            client.sendAsync(post);
            client.sendAsync(reservation);
            client.flush();
            probe().awaitOutcome(post.id(), "APPLIED");
            assertThat(probe().outboxTypesCausedBy(post.id())).containsExactly("PendingPosted");
        }
        assertThat(probe().balance(a)).isEqualTo(50);
        assertThat(probe().balance(b)).isEqualTo(50);
        assertInvariants();
    }

    @Test
    void aParkedPostWhoseReservationNeverComesIsRejectedOnceTheDeadlinePassed() {
        UUID never = UUID.randomUUID();
        UUID post = sendParked(new PostPending(never));
        assertThat(jdbc.queryForObject("select detail from processed_commands where command_id = ?", String.class, post))
                .contains(never.toString());

        clock.advance(Duration.ofSeconds(6));
        probe().assertRejected(post, "PENDING_NOT_FOUND");
        assertThat(probe().outboxTypesCausedBy(post)).containsExactly("CommandRejected");
        assertNothingParked(post);
    }

    @Test
    void aParkedPostWhoseReservationIsRefusedIsRejectedWithoutWaitingForTheDeadline() {
        UUID a = probe().fundedAgent("refused-alice", 10);
        UUID b = probe().agent("refused-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 11, "test");
        UUID post = sendParked(new PostPending(reservation.id()));
        client.send(reservation);
        probe().assertRejected(reservation.id(), "INSUFFICIENT_FUNDS");
        probe().assertRejected(post, "PENDING_NOT_FOUND");
        assertNothingParked(post);
        // and a post for a refused reservation that comes after its outcome is refused at once, as before
        probe().assertRejected(client.send(new PostPending(reservation.id())), "PENDING_NOT_FOUND");
    }

    /**
     * A post parked by a batch that committed after the reservation's batch looked for parked posts (the two ran
     * at the same time on different partitions) is applied by the sweeper. The race is made by hand: the rows such a
     * batch leaves, written after the reservation was applied.
     */
    @Test
    void aPostParkedWhileItsReservationWasBeingAppliedIsAppliedByTheSweeper() {
        UUID a = probe().fundedAgent("race-alice", 100);
        UUID b = probe().agent("race-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 20, "test");
        client.send(reservation);
        probe().awaitOutcome(reservation.id(), "APPLIED");

        UUID post = probe().parkedByARacingBatch(reservation.id(), "test", clock.instant(),
                clock.instant().plusSeconds(5));

        probe().awaitOutcome(post, "APPLIED");
        assertThat(probe().balance(a)).isEqualTo(80);
        assertThat(probe().outboxTypesCausedBy(post)).containsExactly("PendingPosted");
        assertNothingParked(post);
        assertInvariants();
    }

    /**
     * Both polled in one batch, the post first: the reservation decides it in memory, right after itself, and it
     * is never stored. (Called on the handler, in a transaction rolled back, as a batch cannot be forced to hold
     * both records through the broker.)
     */
    @Test
    void aPostBeforeItsReservationInTheSameBatchIsDecidedByIt() {
        UUID a = probe().fundedAgent("one-batch-alice", 100);
        UUID b = probe().agent("one-batch-bob");
        Envelope<LedgerCommand> reservation = reservation(a, b, 40, "test");
        Envelope<LedgerCommand> post = client.envelope(new PostPending(reservation.id()));
        Envelope<LedgerCommand> stranger = Envelope.of(UUID.randomUUID(), new VoidPending(reservation.id()), b.toString(),
                Instant.now());
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            status.setRollbackOnly();
            List<Outcome> outcomes = handler.handle(List.of(stranger, post, reservation));
            assertThat(outcomes.get(0)).isInstanceOf(Outcome.Deferred.class);
            assertThat(outcomes.get(1)).isInstanceOf(Outcome.Deferred.class);
            assertThat(outcomes.get(2)).isInstanceOfSatisfying(Outcome.Applied.class, applied -> {
                assertThat(applied.events()).singleElement().isInstanceOf(KarmaReserved.class);
                assertThat(applied.finished()).extracting(f -> f.command().id()).containsExactly(stranger.id(), post.id());
                assertThat(applied.finished().get(0).outcome()).isInstanceOfSatisfying(Outcome.Rejected.class,
                        r -> assertThat(r.reason()).isEqualTo(CommandPolicy.FORBIDDEN));
                assertThat(applied.finished().get(1).outcome()).isInstanceOfSatisfying(Outcome.Applied.class,
                        p -> assertThat(p.events()).singleElement().isInstanceOf(PendingPosted.class));
                assertThat(applied.finished().get(1).command()).isEqualTo(post);
            });
            assertThat(jdbc.queryForObject("select count(*) from parked_resolutions where pending_id = ?", Long.class,
                    reservation.id())).isZero();
            assertThat(jdbc.queryForObject("select status from transfers where pending_id = ?", String.class,
                    reservation.id())).isEqualTo("POSTED");
            assertThat(probe().balance(a)).isEqualTo(60);
        });
        assertThat(probe().balance(a)).isEqualTo(100);
    }

    /** Rows written by one transaction carry its id. */
    private boolean sameTransaction(UUID transferId, UUID otherTransferId) {
        return jdbc.queryForObject("select count(distinct xmin::text) = 1 from transfers where id = any(?)", Boolean.class,
                (Object) new UUID[] {transferId, otherTransferId});
    }

    private Envelope<LedgerCommand> reservation(UUID debit, UUID credit, long amount, String actor) {
        return Envelope.of(UUID.randomUUID(), new ReserveKarma(debit, credit, amount, clock.instant().plusSeconds(3600)),
                actor, Instant.now());
    }

    /** Sends a post or void of a reservation the worker has not seen (as "test") and waits until it is parked. */
    private UUID sendParked(LedgerCommand command) {
        UUID commandId = client.send(command);
        awaitParked(commandId);
        return commandId;
    }

    /** As {@link #sendParked(LedgerCommand)}, sent as {@code actor}. */
    private UUID sendParked(LedgerCommand command, String actor) {
        UUID commandId = client.send(command, actor);
        awaitParked(commandId);
        return commandId;
    }

    private void awaitParked(UUID commandId) {
        probe().awaitOutcome(commandId, "DEFERRED");
        assertThat(jdbc.queryForObject("select reason from processed_commands where command_id = ?", String.class, commandId))
                .isEqualTo(ParkedResolution.AWAITING_RESERVATION);
    }

    private void assertNothingParked(UUID... commandIds) {
        await().atMost(LedgerProbe.PATIENCE).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from parked_resolutions where command_id = any(?)", Long.class, (Object) commandIds))
                .isZero());
        assertThat(jdbc.queryForList("select outcome from processed_commands where command_id = any(?)", String.class,
                (Object) commandIds)).hasSize(commandIds.length).doesNotContain("DEFERRED");
    }
}
