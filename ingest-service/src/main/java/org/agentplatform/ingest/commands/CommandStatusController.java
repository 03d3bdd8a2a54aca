package org.agentplatform.ingest.commands;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The outcome of a command, to its issuer and the admin only. Handled: the inbox row the worker wrote with the
 * effect (its {@code actor} is the issuer). Published by ingest and not handled yet: its {@code command_issuers}
 * row, pending. Anything else, including another caller's command, is a 404: whether a command exists is itself
 * the issuer's business. Outcomes recorded before the issuer was (a null actor) are the admin's to read.
 *
 * <p>A command the worker recorded DEFERRED (a post or void waiting for its reservation, decided within the
 * ledger's deadline) is still pending: {@code PENDING} with the reason ({@code AWAITING_RESERVATION}) and detail,
 * so a client that polls until the status is not PENDING needs no change.
 */
@RestController
class CommandStatusController {

    private final JdbcClient jdbc;

    CommandStatusController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/commands/{commandId}")
    ResponseEntity<?> status(@PathVariable UUID commandId, Actor actor) {
        Optional<Handled> handled = jdbc.sql("""
                        select outcome, reason, detail, processed_at, actor from processed_commands where command_id = ?""")
                .param(commandId)
                .query((rs, n) -> new Handled(status(commandId, rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant()), rs.getString(5)))
                .optional();
        if (handled.isPresent()) {
            return visibleTo(actor, handled.get().issuer())
                    ? ResponseEntity.ok(handled.get().status()) : notFound(commandId);
        }
        return jdbc.sql("select issuer from command_issuers where command_id = ?")
                .param(commandId).query(String.class).optional()
                .filter(issuer -> visibleTo(actor, issuer))
                .<ResponseEntity<?>>map(issuer -> ResponseEntity.ok(new CommandStatus(commandId, Status.PENDING, null, null, null)))
                .orElseGet(() -> notFound(commandId));
    }

    private static CommandStatus status(UUID commandId, String outcome, String reason, String detail, Instant at) {
        return "DEFERRED".equals(outcome) ? new CommandStatus(commandId, Status.PENDING, reason, detail, null)
                : new CommandStatus(commandId, Status.valueOf(outcome), reason, detail, at);
    }

    private static boolean visibleTo(Actor actor, @Nullable String issuer) {
        return actor.isAdmin() || actor.name().equals(issuer);
    }

    private static ResponseEntity<?> notFound(UUID commandId) {
        return ResponseEntity.of(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                "No command " + commandId + " of yours (the outcome of a command is visible to its issuer and the admin)"))
                .build();
    }

    private record Handled(CommandStatus status, @Nullable String issuer) {
    }

    enum Status {
        PENDING, APPLIED, REJECTED
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CommandStatus(UUID commandId, Status status, String reason, String detail, Instant processedAt) {
    }
}
