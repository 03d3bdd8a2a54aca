package org.agentplatform.ingest.karma;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Future;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

/**
 * Karma movements. Here: the shape; who may move what is {@code CommandPolicy}'s, applied by the publisher
 * (an agent debits only its own account). Funds, accounts and agent status are the ledger worker's to judge, and a refusal is a recorded outcome at
 * {@code /commands/{id}}, not an HTTP error.
 */
@RestController
@RequestMapping(path = "/karma")
class KarmaController {

    static final int MAX_BATCH = 100;

    @PostMapping(path = "/grants", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> grant(@Valid @RequestBody GrantRequest request, CommandRequest command) {
        return command.accept(request, id -> new GrantKarma(request.accountId(), request.amount()));
    }

    @PostMapping(path = "/transfers", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> transfer(@Valid @RequestBody TransferRequest request, CommandRequest command) {
        return command.accept(request,
                id -> new TransferKarma(request.debitAccountId(), request.creditAccountId(), request.amount(),
                        request.memo()));
    }

    /** Linked transfers, all or none. Every leg debits the caller: an agent cannot move another's karma. */
    @PostMapping(path = "/batches", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> batch(@Valid @RequestBody BatchRequest request, CommandRequest command) {
        return command.accept(request, id -> new TransferBatch(request.transfers().stream()
                .map(leg -> new TransferBatch.Leg(leg.debitAccountId(), leg.creditAccountId(), leg.amount()))
                .toList()));
    }

    /** Phase one of a two-phase transfer; the command id is the pending transfer's id. */
    @PostMapping(path = "/reservations", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> reserve(@Valid @RequestBody ReserveRequest request, CommandRequest command) {
        return command.accept(request, id -> new ReserveKarma(request.debitAccountId(), request.creditAccountId(),
                request.amount(), request.expiresAt()), (id, reserve) -> new ReservationAccepted(id, id));
    }

    /**
     * Moves a reservation: only its controller may (the agent that reserved; for claim stakes and escrow holds the
     * system). A reservation the ledger has not applied yet is published anyway: the ledger re-checks the controller.
     */
    @PostMapping("/reservations/{pendingId}/post")
    ResponseEntity<?> post(@PathVariable UUID pendingId, CommandRequest command) {
        return command.accept(id -> new PostPending(pendingId));
    }

    /** Releases a reservation: like posting, only its controller may. */
    @PostMapping("/reservations/{pendingId}/void")
    ResponseEntity<?> voidPending(@PathVariable UUID pendingId, CommandRequest command) {
        return command.accept(id -> new VoidPending(pendingId));
    }

    record GrantRequest(@NotNull UUID accountId, @NotNull @Positive Long amount) {
    }

    /**
     * {@code memo} (optional) makes it a version-2 transfer; without one it is sent as version 1. Left out of the
     * idempotency fingerprint when absent, so a retry of a request stored before memos existed still matches.
     */
    record TransferRequest(@NotNull UUID debitAccountId, @NotNull UUID creditAccountId, @NotNull @Positive Long amount,
                           @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable
                           @Size(min = 1, max = TransferKarma.MAX_MEMO) String memo) {

        /** A transfer to the same account could never be applied: say so now, not as a rejection later. */
        @AssertTrue(message = "debitAccountId and creditAccountId must differ")
        boolean isDistinctAccounts() {
            return debitAccountId == null || !debitAccountId.equals(creditAccountId);
        }
    }

    /** A leg of a batch: a batch has no memo (a memo on a leg is an unknown field, refused). */
    record LegRequest(@NotNull UUID debitAccountId, @NotNull UUID creditAccountId, @NotNull @Positive Long amount) {

        @AssertTrue(message = "debitAccountId and creditAccountId must differ")
        boolean isDistinctAccounts() {
            return debitAccountId == null || !debitAccountId.equals(creditAccountId);
        }
    }

    record BatchRequest(@NotEmpty @Size(max = MAX_BATCH) List<@Valid @NotNull LegRequest> transfers) {
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
