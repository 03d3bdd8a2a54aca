package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Envelope;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * Per-key order holds for a post parked while its reservation was being applied on another partition (the
 * reservation's transaction could not see it, so it is left to the sweeper): a later post or void of the same
 * reservation, on the same key, must not be applied before it. The sweeper runs only when the test calls it.
 */
@TestPropertySource(properties = "platform.ledger.expiry-sweep-interval-ms=3600000")
class ParkedResolutionOrderIntegrationTest extends AbstractLedgerIntegrationTest {

    @Autowired
    DataSource dataSource;
    @Autowired
    ParkedResolutionSweeper sweeper;

    @Test
    void aVoidBehindAPostParkedDuringItsReservationDoesNotOvertakeIt() throws Exception {
        UUID a = probe().fundedAgent("order-alice", 100);
        UUID b = probe().agent("order-bob");
        Envelope<LedgerCommand> reservation = Envelope.of(UUID.randomUUID(),
                new ReserveKarma(a, b, 20, Instant.now().plusSeconds(3600)), a.toString(), Instant.now());
        client.send(reservation);
        probe().awaitOutcome(reservation.id(), "APPLIED");
        UUID post = probe().parkedByARacingBatch(reservation.id(), a.toString(), Instant.now(),
                Instant.now().plusSeconds(60));

        // alice's void, sent after her post on the same key (the pending id)
        UUID voiding = client.send(new VoidPending(reservation.id()), a.toString());
        await().atMost(LedgerProbe.PATIENCE).until(() -> !jdbc.queryForList(
                "select outcome from processed_commands where command_id = ?", String.class, voiding).isEmpty());

        // another instance's sweep holds the post: this one must not decide the void before it
        try (Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement(
                    "select 1 from parked_resolutions where command_id = ? for update")) {
                lock.setObject(1, post);
                lock.executeQuery().close();
            }
            sweeper.sweep();
            assertThat(jdbc.queryForList("select status from transfers where pending_id = ?", String.class,
                    reservation.id())).as("nothing decided behind the held post").isEmpty();
            other.rollback();
        }

        while (sweeper.sweep() > 0) {
            // decide what is left
        }
        probe().awaitOutcome(post, "APPLIED");
        probe().assertRejected(voiding, "PENDING_ALREADY_POSTED");
        assertThat(jdbc.queryForList("select status from transfers where pending_id = ?", String.class, reservation.id()))
                .containsExactly("POSTED");
        assertThat(probe().balance(a)).isEqualTo(80);
        assertThat(probe().balance(b)).isEqualTo(20);
        assertThat(jdbc.queryForObject("select count(*) from parked_resolutions where pending_id = ?", Long.class,
                reservation.id())).isZero();
        assertThat(jdbc.queryForList("select outcome from processed_commands where command_id = any(?)", String.class,
                (Object) new UUID[] {post, voiding})).doesNotContain("DEFERRED");
        assertInvariants();
    }
}
