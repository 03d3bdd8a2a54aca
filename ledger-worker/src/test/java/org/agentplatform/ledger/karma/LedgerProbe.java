package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.ledger.GrantKarma;
import org.springframework.jdbc.core.JdbcTemplate;

/** What the ledger's integration tests ask of a running worker: agents to work with, outcomes, balances. */
record LedgerProbe(JdbcTemplate jdbc, LedgerTestClient client) {

    static final Duration PATIENCE = Duration.ofSeconds(30);

    /** A registered agent whose account exists (registration and karma travel on different topics). */
    UUID agent(String name) {
        UUID id = client.registerAgent(name);
        await().atMost(PATIENCE).until(() ->
                jdbc.queryForObject("select count(*) from accounts where id = ?", Long.class, id) == 1);
        return id;
    }

    UUID fundedAgent(String name, long karma) {
        UUID id = agent(name);
        awaitOutcome(client.send(new GrantKarma(id, karma)), "APPLIED");
        return id;
    }

    void awaitOutcome(UUID commandId, String outcome) {
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(
                jdbc.queryForList("select outcome from processed_commands where command_id = ?", String.class, commandId))
                .containsExactly(outcome));
    }

    void assertRejected(UUID commandId, String reason) {
        awaitOutcome(commandId, "REJECTED");
        assertThat(jdbc.queryForObject("select reason from processed_commands where command_id = ?", String.class, commandId))
                .isEqualTo(reason);
    }

    long balance(UUID account) {
        return jdbc.queryForObject("select balance from accounts where id = ?", Long.class, account);
    }

    /**
     * Writes the rows a post's batch leaves when it committed after its reservation's batch looked for parked posts
     * (the two ran at the same time on different partitions): a post by {@code actor}, parked at {@code now} until
     * {@code deadline}. Returns the post's command id.
     */
    UUID parkedByARacingBatch(UUID pendingId, String actor, Instant now, Instant deadline) {
        UUID post = UUID.randomUUID();
        Timestamp at = Timestamp.from(now);
        jdbc.update("""
                insert into processed_commands (command_id, command_type, fingerprint, outcome, reason, detail, actor,
                    topic, partition, kafka_offset, processed_at)
                values (?, 'PostPending', 'race', 'DEFERRED', 'AWAITING_RESERVATION', 'waits', ?, 'race', 0, 0, ?)""",
                post, actor, at);
        jdbc.update("""
                insert into parked_resolutions (command_id, pending_id, kind, actor, schema_version, occurred_at,
                    correlation_id, causation_id, deadline, created_at)
                values (?, ?, 'POST', ?, 1, ?, ?, null, ?, ?)""",
                post, pendingId, actor, at, post, Timestamp.from(deadline), at);
        return post;
    }

    /** Event types in the outbox (kept by the tests' settings) caused by a command, in the order written. */
    List<String> outboxTypesCausedBy(UUID commandId) {
        return jdbc.queryForList("select event_type from outbox where payload->>'causationId' = ? order by created_at, id",
                String.class, commandId.toString());
    }
}
