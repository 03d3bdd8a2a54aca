package org.agentplatform.ingest.agents;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.Accepted;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandPublisher;
import org.agentplatform.schema.ledger.RegisterAgent;
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

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Registering agents (a command the ledger worker applies) and reading them back. */
@RestController
class AgentController {

    private final CommandPublisher publisher;
    private final JdbcClient jdbc;

    AgentController(CommandPublisher publisher, JdbcClient jdbc) {
        this.publisher = publisher;
        this.jdbc = jdbc;
    }

    @PostMapping(path = "/agents", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<RegistrationAccepted> register(@Valid @RequestBody RegisterAgentRequest request, Actor actor,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        UUID commandId = CommandIds.next(actor, idempotencyKey);
        // derived rather than random: a retry under the same Idempotency-Key must name the same agent
        UUID agentId = request.agentId() != null ? request.agentId() : CommandIds.derived(commandId, "agent");
        publisher.publish(commandId, new RegisterAgent(agentId, request.name()), actor);
        return Accepted.response(commandId, new RegistrationAccepted(commandId, agentId));
    }

    @GetMapping("/agents/{agentId}")
    ResponseEntity<?> agent(@PathVariable UUID agentId) {
        return jdbc.sql("select name, status, created_at from agents where id = ?")
                .param(agentId)
                .query((rs, n) -> new AgentView(agentId, rs.getString(1), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class).toInstant()))
                .optional()
                .<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.of(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                        "No agent " + agentId + " (a registration may still be pending)")).build());
    }

    /** {@code agentId} is optional: without it the service assigns one. */
    record RegisterAgentRequest(@Nullable UUID agentId, @NotBlank @Size(max = 200) String name) {
    }

    record RegistrationAccepted(UUID commandId, UUID agentId) {
    }

    record AgentView(UUID agentId, String name, String status, Instant createdAt) {
    }
}
