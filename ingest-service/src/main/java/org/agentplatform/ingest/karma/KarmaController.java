package org.agentplatform.ingest.karma;

import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.Accepted;
import org.agentplatform.ingest.commands.Accepted.CommandAccepted;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandPublisher;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.TransferKarma;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/**
 * Karma movements. Only the shape is checked here; funds, accounts and agent status are the ledger
 * worker's to judge, and a refusal is a recorded outcome at {@code /commands/{id}}, not an HTTP error.
 */
@RestController
@RequestMapping(path = "/karma", consumes = MediaType.APPLICATION_JSON_VALUE)
class KarmaController {

    private final CommandPublisher publisher;

    KarmaController(CommandPublisher publisher) {
        this.publisher = publisher;
    }

    @PostMapping("/grants")
    ResponseEntity<CommandAccepted> grant(@Valid @RequestBody GrantRequest request, Actor actor,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        UUID commandId = CommandIds.next(actor, idempotencyKey);
        publisher.publish(commandId, new GrantKarma(request.accountId(), request.amount()), actor);
        return Accepted.response(commandId);
    }

    @PostMapping("/transfers")
    ResponseEntity<CommandAccepted> transfer(@Valid @RequestBody TransferRequest request, Actor actor,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        UUID commandId = CommandIds.next(actor, idempotencyKey);
        publisher.publish(commandId,
                new TransferKarma(request.debitAccountId(), request.creditAccountId(), request.amount()), actor);
        return Accepted.response(commandId);
    }

    record GrantRequest(@NotNull UUID accountId, @NotNull @Positive Long amount) {
    }

    record TransferRequest(@NotNull UUID debitAccountId, @NotNull UUID creditAccountId, @NotNull @Positive Long amount) {

        /** A transfer to the same account could never be applied: say so now, not as a rejection later. */
        @AssertTrue(message = "debitAccountId and creditAccountId must differ")
        boolean isDistinctAccounts() {
            return debitAccountId == null || !debitAccountId.equals(creditAccountId);
        }
    }
}
