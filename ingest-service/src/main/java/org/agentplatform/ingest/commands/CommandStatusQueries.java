package org.agentplatform.ingest.commands;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What is known of a command: the worker's inbox row once handled, ingest's record of its issuer before. */
@Component
class CommandStatusQueries {

    private final JdbcClient jdbc;

    CommandStatusQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The inbox row the worker wrote with the effect; its {@code actor} is the issuer. */
    Optional<Handled> handled(UUID commandId) {
        return jdbc.sql("select outcome, reason, detail, processed_at, actor from processed_commands where command_id = ?")
                .param(commandId)
                .query((rs, n) -> new Handled(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getString(5)))
                .optional();
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
