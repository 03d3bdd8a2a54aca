package org.agentplatform.ingest.claims;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.Accepted;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandPublisher;
import org.agentplatform.ingest.commands.Idempotency;
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
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import jakarta.servlet.http.HttpServletRequest;
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

    private final CommandPublisher publisher;
    private final Idempotency idempotency;
    private final JdbcClient jdbc;
    private final JsonMapper json;

    ClaimController(CommandPublisher publisher, Idempotency idempotency, JdbcClient jdbc, JsonMapper json) {
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.jdbc = jdbc;
        this.json = json;
    }

    @PostMapping(path = "/claims", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> submit(@Valid @RequestBody SubmitClaimRequest request, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        UUID claimant = request.claimantId() != null ? request.claimantId() : actor.agentId();
        if (claimant == null) {
            throw Actor.forbidden("Only an agent can submit a claim (the admin is not an agent)");
        }
        return idempotency.submit(actor, idempotencyKey, http, request, commandId -> {
            UUID claimId = request.claimId() != null ? request.claimId() : CommandIds.derived(commandId, "claim");
            publisher.publish(commandId, new SubmitClaim(claimId, claimant, request.subject(), request.statement(),
                    request.evidence(), request.stake() == null ? 0 : request.stake()), actor);
            return Accepted.response(commandId, new ClaimAccepted(commandId, claimId));
        });
    }

    @PostMapping("/claims/{claimId}/verifications")
    ResponseEntity<?> verify(@PathVariable UUID claimId, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        UUID voter = voter(actor);
        return idempotency.submit(actor, idempotencyKey, http, null, commandId -> {
            publisher.publish(commandId, new VerifyClaim(claimId, voter), actor);
            return Accepted.response(commandId);
        });
    }

    @PostMapping("/claims/{claimId}/disputes")
    ResponseEntity<?> dispute(@PathVariable UUID claimId, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        UUID voter = voter(actor);
        return idempotency.submit(actor, idempotencyKey, http, null, commandId -> {
            publisher.publish(commandId, new DisputeClaim(claimId, voter), actor);
            return Accepted.response(commandId);
        });
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
