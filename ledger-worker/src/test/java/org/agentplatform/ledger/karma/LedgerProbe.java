package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
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

    /** Event types in the outbox (kept by the tests' settings) caused by a command, in the order written. */
    List<String> outboxTypesCausedBy(UUID commandId) {
        return jdbc.queryForList("select event_type from outbox where payload->>'causationId' = ? order by created_at, id",
                String.class, commandId.toString());
    }
}
