package org.agentplatform.ingest.karma;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.Accepted;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandPublisher;
import org.agentplatform.ingest.commands.Idempotency;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Future;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * Karma movements. Here: the shape, and that an agent debits only its own account. Funds, accounts and
 * agent status are the ledger worker's to judge, and a refusal is a recorded outcome at
 * {@code /commands/{id}}, not an HTTP error.
 */
@RestController
@RequestMapping(path = "/karma")
class KarmaController {

    static final int MAX_BATCH = 100;

    private final CommandPublisher publisher;
    private final Idempotency idempotency;
    private final JdbcClient jdbc;

    KarmaController(CommandPublisher publisher, Idempotency idempotency, JdbcClient jdbc) {
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.jdbc = jdbc;
    }

    @PostMapping(path = "/grants", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> grant(@Valid @RequestBody GrantRequest request, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        actor.requireAdmin("Granting karma");
        return idempotency.submit(actor, idempotencyKey, http, request, commandId -> {
            publisher.publish(commandId, new GrantKarma(request.accountId(), request.amount()), actor);
            return Accepted.response(commandId);
        });
    }

    @PostMapping(path = "/transfers", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> transfer(@Valid @RequestBody TransferRequest request, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        actor.requireSelf(request.debitAccountId(), "The debited account");
        return idempotency.submit(actor, idempotencyKey, http, request, commandId -> {
            publisher.publish(commandId,
                    new TransferKarma(request.debitAccountId(), request.creditAccountId(), request.amount()), actor);
            return Accepted.response(commandId);
        });
    }

    /** Linked transfers, all or none. Every leg debits the caller: an agent cannot move another's karma. */
    @PostMapping(path = "/batches", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> batch(@Valid @RequestBody BatchRequest request, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        request.transfers().forEach(leg -> actor.requireSelf(leg.debitAccountId(), "The debited account of every leg"));
        return idempotency.submit(actor, idempotencyKey, http, request, commandId -> {
            publisher.publish(commandId, new TransferBatch(request.transfers().stream()
                    .map(leg -> new TransferBatch.Leg(leg.debitAccountId(), leg.creditAccountId(), leg.amount()))
                    .toList()), actor);
            return Accepted.response(commandId);
        });
    }

    /** Phase one of a two-phase transfer; the command id is the pending transfer's id. */
    @PostMapping(path = "/reservations", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> reserve(@Valid @RequestBody ReserveRequest request, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        actor.requireSelf(request.debitAccountId(), "The debited account");
        return idempotency.submit(actor, idempotencyKey, http, request, commandId -> {
            publisher.publish(commandId, new ReserveKarma(request.debitAccountId(), request.creditAccountId(),
                    request.amount(), request.expiresAt()), actor);
            return Accepted.response(commandId, new ReservationAccepted(commandId, commandId));
        });
    }

    /** Moves a reservation: only the debited agent may. */
    @PostMapping("/reservations/{pendingId}/post")
    ResponseEntity<?> post(@PathVariable UUID pendingId, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        Pending pending = pending(pendingId);
        actor.requireSelf(pending.debitAccountId(), "Posting a reservation: the debited account");
        return idempotency.submit(actor, idempotencyKey, http, null, commandId -> {
            publisher.publish(commandId, new PostPending(pendingId), actor);
            return Accepted.response(commandId);
        });
    }

    /** Releases a reservation: the debited agent, or the credited one giving up what it was promised. */
    @PostMapping("/reservations/{pendingId}/void")
    ResponseEntity<?> voidPending(@PathVariable UUID pendingId, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        Pending pending = pending(pendingId);
        if (!pending.creditAccountId().equals(actor.agentId())) {
            actor.requireSelf(pending.debitAccountId(), "Voiding a reservation: the debited or credited account");
        }
        return idempotency.submit(actor, idempotencyKey, http, null, commandId -> {
            publisher.publish(commandId, new VoidPending(pendingId), actor);
            return Accepted.response(commandId);
        });
    }

    /**
     * Who may post or void is decided by the reservation's accounts, so it must exist: a post sent before the
     * reservation was applied is a 404 now rather than a PENDING_NOT_FOUND rejection later.
     */
    private Pending pending(UUID pendingId) {
        return jdbc.sql("select debit_account_id, credit_account_id from transfers where id = ? and expires_at is not null")
                .param(pendingId)
                .query((rs, n) -> new Pending(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                .optional()
                .orElseThrow(() -> new ErrorResponseException(HttpStatus.NOT_FOUND, ProblemDetail.forStatusAndDetail(
                        HttpStatus.NOT_FOUND, "No reservation " + pendingId + " (it may still be pending)"), null));
    }

    private record Pending(UUID debitAccountId, UUID creditAccountId) {
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

    record BatchRequest(@NotEmpty @Size(max = MAX_BATCH) List<@Valid @NotNull TransferRequest> transfers) {
    }

    record ReserveRequest(@NotNull UUID debitAccountId, @NotNull UUID creditAccountId, @NotNull @Positive Long amount,
                          @NotNull @Future Instant expiresAt) {

        @AssertTrue(message = "debitAccountId and creditAccountId must differ")
        boolean isDistinctAccounts() {
            return debitAccountId == null || !debitAccountId.equals(creditAccountId);
        }
    }

    record ReservationAccepted(UUID commandId, UUID pendingId) {
    }
}
