package org.agentplatform.ingest.commands;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.runtime.CommandOutcomes.Recorded;
import org.agentplatform.ingest.web.Reads;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
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
 *
 * <p>A command the worker could not apply and dead-lettered is {@code DEAD_LETTERED} with the reason
 * ({@code COMMAND_FAILED}, {@code MALFORMED_COMMAND}) and detail: an operator's to resolve, not final; a replay
 * once the cause is fixed turns it into {@code APPLIED} or {@code REJECTED}.
 */
@RestController
class CommandStatusController {

    private final CommandStatusQueries commands;

    CommandStatusController(CommandStatusQueries commands) {
        this.commands = commands;
    }

    @GetMapping("/commands/{commandId}")
    ResponseEntity<?> status(@PathVariable UUID commandId, Actor actor) {
        Optional<Recorded> handled = commands.handled(commandId);
        Optional<CommandStatus> visible = handled.isPresent()
                ? handled.filter(h -> visibleTo(actor, h.actor())).map(h -> status(commandId, h))
                : commands.issuerOf(commandId).filter(issuer -> visibleTo(actor, issuer))
                        .map(issuer -> new CommandStatus(commandId, Status.PENDING, null, null, null));
        return Reads.found(visible, "No command " + commandId
                + " of yours (the outcome of a command is visible to its issuer and the admin)");
    }

    private static CommandStatus status(UUID commandId, Recorded handled) {
        if (handled.status() == org.agentplatform.runtime.CommandOutcomes.Status.DEAD_LETTERED) {
            return new CommandStatus(commandId, Status.DEAD_LETTERED, handled.reason(), handled.detail(),
                    handled.processedAt());
        }
        return handled.isFinal()
                ? new CommandStatus(commandId, Status.valueOf(handled.status().name()), handled.reason(),
                        handled.detail(), handled.processedAt())
                : new CommandStatus(commandId, Status.PENDING, handled.reason(), handled.detail(), null);
    }

    private static boolean visibleTo(Actor actor, @Nullable String issuer) {
        return actor.isAdmin() || actor.name().equals(issuer);
    }

    enum Status {
        PENDING, APPLIED, REJECTED, DEAD_LETTERED
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CommandStatus(UUID commandId, Status status, @Nullable String reason, @Nullable String detail,
                         @Nullable Instant processedAt) {
    }
}
