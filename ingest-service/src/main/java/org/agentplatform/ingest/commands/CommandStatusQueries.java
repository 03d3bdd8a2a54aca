package org.agentplatform.ingest.commands;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.runtime.CommandOutcomes;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What is known of a command: the worker's recorded outcome once handled, ingest's record of its issuer before. */
@Component
class CommandStatusQueries {

    private final JdbcClient jdbc;
    private final CommandOutcomes outcomes;

    CommandStatusQueries(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        // not a bean: ingest takes command-runtime's reads, not its consumer-side configuration
        this.outcomes = new CommandOutcomes(template);
    }

    /** What the worker recorded with the effect; its {@code actor} is the issuer. */
    Optional<Handled> handled(UUID commandId) {
        return outcomes.find(commandId).map(r -> new Handled(r.status().name(), r.reason(), r.detail(),
                r.processedAt(), r.actor()));
    }

    /** Who issued a command ingest published (kept for the idempotency retention). */
    Optional<String> issuerOf(UUID commandId) {
        return jdbc.sql("select issuer from command_issuers where command_id = ?")
                .param(commandId).query(String.class).optional();
    }

    record Handled(String outcome, @Nullable String reason, @Nullable String detail, Instant processedAt,
                   @Nullable String issuer) {
    }
}
