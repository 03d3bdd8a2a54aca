package org.agentplatform.ingest.commands;

import java.util.Optional;
import java.util.UUID;

import org.agentplatform.runtime.CommandOutcomes.Recorded;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What is known of a command: the worker's recorded outcome once handled, ingest's record of its issuer before. */
@Component
class CommandStatusQueries {

    private final JdbcClient jdbc;
    private final CommandOutcomes outcomes;

    CommandStatusQueries(JdbcClient jdbc, CommandOutcomes outcomes) {
        this.jdbc = jdbc;
        this.outcomes = outcomes;
    }

    /** What the worker recorded with the effect; its {@code actor} is the issuer. */
    Optional<Recorded> handled(UUID commandId) {
        return outcomes.find(commandId);
    }

    /** Who issued a command ingest published (kept for the idempotency retention). */
    Optional<String> issuerOf(UUID commandId) {
        return jdbc.sql("select issuer from command_issuers where command_id = ?")
                .param(commandId).query(String.class).optional();
    }
}
