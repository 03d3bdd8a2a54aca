package org.agentplatform.ingest.commands;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The outcome of a command, from the inbox the workers write in the same transaction as the effect. No
 * row yet means the command is still on its way (or was never published): pending either way.
 */
@RestController
class CommandStatusController {

    private final JdbcClient jdbc;

    CommandStatusController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/commands/{commandId}")
    CommandStatus status(@PathVariable UUID commandId) {
        return jdbc.sql("select outcome, reason, detail, processed_at from processed_commands where command_id = ?")
                .param(commandId)
                .query((rs, n) -> new CommandStatus(commandId, Status.valueOf(rs.getString(1)), rs.getString(2),
                        rs.getString(3), rs.getObject(4, OffsetDateTime.class).toInstant()))
                .optional()
                .orElseGet(() -> new CommandStatus(commandId, Status.PENDING, null, null, null));
    }

    enum Status {
        PENDING, APPLIED, REJECTED
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CommandStatus(UUID commandId, Status status, String reason, String detail, Instant processedAt) {
    }
}
