package org.agentplatform.ingest.claims;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
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

    private final JdbcClient jdbc;
    private final JsonMapper json;

    ClaimController(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
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
        return jdbc.sql("""
                select claimant_id, subject, statement, evidence::text, stake, quorum, status, verifications, disputes,
                       created_at, updated_at
                from claims where id = ?""")
                .param(claimId)
                .query((rs, n) -> new ClaimView(claimId, rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        json.readTree(rs.getString(4)), rs.getLong(5), rs.getInt(6), rs.getString(7), rs.getInt(8), rs.getInt(9),
                        rs.getObject(10, OffsetDateTime.class).toInstant(), rs.getObject(11, OffsetDateTime.class).toInstant(),
                        List.of()))
                .optional()
                .<ResponseEntity<?>>map(claim -> ResponseEntity.ok(claim.withHistory(history(claimId))))
                .orElseGet(() -> ResponseEntity.of(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                        "No claim " + claimId + " (a submission may still be pending)")).build());
    }

    private List<StatusChange> history(UUID claimId) {
        return jdbc.sql("select status, command_id, changed_at from claim_status_history where claim_id = ? order by changed_at")
                .param(claimId)
                .query((rs, n) -> new StatusChange(rs.getString(1), rs.getObject(2, UUID.class),
                        rs.getObject(3, OffsetDateTime.class).toInstant()))
                .list();
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
                    statement, evidence, stake == null ? 0 : stake);
        }
    }

    record ClaimAccepted(UUID commandId, UUID claimId) {
    }

    record ClaimView(UUID claimId, UUID claimantId, String subject, String statement, JsonNode evidence, long stake,
                     int quorum, String status, int verifications, int disputes, Instant createdAt, Instant updatedAt,
                     List<StatusChange> history) {

        ClaimView withHistory(List<StatusChange> history) {
            return new ClaimView(claimId, claimantId, subject, statement, evidence, stake, quorum, status, verifications,
                    disputes, createdAt, updatedAt, history);
        }
    }

    record StatusChange(String status, UUID commandId, Instant changedAt) {
    }
}
