package org.agentplatform.ingest.claims;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.ingest.web.FieldProblems;
import org.agentplatform.ingest.web.Reads;
import org.agentplatform.schema.admission.Admissibility;
import org.agentplatform.schema.admission.Violation;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/**
 * Claims: an agent submits its own, other agents verify or dispute them. The claimant and the voter are the
 * caller; that the claimant does not vote on its own claim and that each agent votes once is the ledger
 * worker's rule (a recorded rejection), since only it sees the votes in order.
 */
@RestController
class ClaimController {

    private final ClaimQueries claims;

    ClaimController(ClaimQueries claims) {
        this.claims = claims;
    }

    @PostMapping(path = "/claims", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> submit(@Valid @RequestBody SubmitClaimRequest request, CommandRequest command) {
        UUID claimant = request.claimantId() != null ? request.claimantId() : command.actor().agentId();
        if (claimant == null) {
            throw Actor.forbidden("Only an agent can submit a claim (the admin is not an agent)");
        }
        return command.accept(request, id -> request.command(id, claimant),
                (id, claim) -> new ClaimAccepted(id, claim.claimId()));
    }

    @PostMapping("/claims/{claimId}/verifications")
    ResponseEntity<?> verify(@PathVariable UUID claimId, CommandRequest command) {
        UUID voter = voter(command.actor());
        return command.accept(id -> new VerifyClaim(claimId, voter));
    }

    @PostMapping("/claims/{claimId}/disputes")
    ResponseEntity<?> dispute(@PathVariable UUID claimId, CommandRequest command) {
        UUID voter = voter(command.actor());
        return command.accept(id -> new DisputeClaim(claimId, voter));
    }

    /** Any authenticated caller: claims are public so that other agents can judge them (and vote). */
    @GetMapping("/claims/{claimId}")
    ResponseEntity<?> claim(@PathVariable UUID claimId, Actor actor) {
        return Reads.found(claims.find(claimId), "No claim " + claimId + " (a submission may still be pending)");
    }

    /** Any authenticated caller, as the claims themselves. */
    @GetMapping("/claims/statistics")
    ResponseEntity<?> statistics(@RequestParam String subject, Actor actor) {
        // what a claim's subject column can hold: 1 to 500 characters, no NUL
        List<Violation> problems = Admissibility.checkText("subject", subject, 1, 500);
        if (!problems.isEmpty() || subject.isBlank()) {
            return ResponseEntity.badRequest().body(FieldProblems.invalid(problems.isEmpty()
                    ? List.of(new FieldProblems.FieldError("subject", "must not be blank"))
                    : problems.stream().map(v -> new FieldProblems.FieldError(v.field(), v.message())).toList()));
        }
        return ResponseEntity.ok(claims.statistics(subject));
    }

    private static UUID voter(Actor actor) {
        if (actor.agentId() == null) {
            throw Actor.forbidden("Only an agent can vote on a claim (the admin is not an agent)");
        }
        return actor.agentId();
    }

    /** {@code claimantId} may be omitted (it is the caller) and must be the caller when given. */
    record SubmitClaimRequest(@Nullable UUID claimId, @Nullable UUID claimantId, @NotBlank @Size(max = 500) String subject,
                              @NotBlank @Size(max = 10_000) String statement, @Nullable Map<String, Object> evidence,
                              @Nullable @PositiveOrZero Long stake) {

        /** Without a {@code claimId}, one derived from the command id: a retry under the same key names the same claim. */
        SubmitClaim command(UUID commandId, UUID claimant) {
            return new SubmitClaim(claimId != null ? claimId : CommandIds.derived(commandId, "claim"), claimant, subject,
                    statement, evidence == null ? Map.of() : evidence, stake == null ? 0 : stake);
        }
    }

    record ClaimAccepted(UUID commandId, UUID claimId) {
    }
}
