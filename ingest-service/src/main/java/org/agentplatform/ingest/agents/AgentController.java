package org.agentplatform.ingest.agents;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.Accepted;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandPublisher;
import org.agentplatform.ingest.commands.Idempotency;
import org.agentplatform.ingest.commands.Replayable;
import org.agentplatform.ingest.keys.ApiKeys;
import org.agentplatform.ingest.keys.ApiKeys.NewKey;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.SuspendAgent;
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

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Registering, suspending and reactivating agents (admin commands the ledger worker applies), and reading them. */
@RestController
class AgentController {

    private final CommandPublisher publisher;
    private final Idempotency idempotency;
    private final ApiKeys keys;
    private final JdbcClient jdbc;

    AgentController(CommandPublisher publisher, Idempotency idempotency, ApiKeys keys, JdbcClient jdbc) {
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.keys = keys;
        this.jdbc = jdbc;
    }

    /**
     * Publishes RegisterAgent and creates the agent's first API key, returned once. The key is created after
     * the broker acknowledged, with an id derived from the command id: a retry after a 503 still gets a key,
     * and a retry after success gets the original answer without the secret (never stored).
     */
    @PostMapping(path = "/agents", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> register(@Valid @RequestBody RegisterAgentRequest request, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        actor.requireAdmin("Registering an agent");
        return idempotency.submit(actor, idempotencyKey, http, request, commandId -> {
            // derived rather than random: a retry under the same Idempotency-Key must name the same agent
            UUID agentId = request.agentId() != null ? request.agentId() : CommandIds.derived(commandId, "agent");
            publisher.publish(commandId, new RegisterAgent(agentId, request.name()), actor);
            NewKey key = keys.createWithId(CommandIds.derived(commandId, "api-key"), agentId).orElse(null);
            return Accepted.response(commandId, new RegistrationAccepted(commandId, agentId,
                    key == null ? null : key.keyId(), key == null ? null : key.prefix(), key == null ? null : key.apiKey()));
        });
    }

    @PostMapping("/agents/{agentId}/suspension")
    ResponseEntity<?> suspend(@PathVariable UUID agentId, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        actor.requireAdmin("Suspending an agent");
        return idempotency.submit(actor, idempotencyKey, http, null, commandId -> {
            publisher.publish(commandId, new SuspendAgent(agentId), actor);
            return Accepted.response(commandId);
        });
    }

    @PostMapping("/agents/{agentId}/reactivation")
    ResponseEntity<?> reactivate(@PathVariable UUID agentId, Actor actor, HttpServletRequest http,
            @RequestHeader(name = CommandIds.IDEMPOTENCY_KEY, required = false) @Nullable String idempotencyKey) {
        actor.requireAdmin("Reactivating an agent");
        return idempotency.submit(actor, idempotencyKey, http, null, commandId -> {
            publisher.publish(commandId, new ReactivateAgent(agentId), actor);
            return Accepted.response(commandId);
        });
    }

    /** Any authenticated caller may read an agent: verifiers need to know whom they vote on. */
    @GetMapping("/agents/{agentId}")
    ResponseEntity<?> agent(@PathVariable UUID agentId, Actor actor) {
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

    /** {@code apiKey} is present only in the first answer: a replayed answer has the key's id and prefix. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RegistrationAccepted(UUID commandId, UUID agentId, @Nullable UUID keyId, @Nullable String keyPrefix,
                                @Nullable String apiKey) implements Replayable {

        @Override
        public Object forReplay() {
            return new RegistrationAccepted(commandId, agentId, keyId, keyPrefix, null);
        }
    }

    record AgentView(UUID agentId, String name, String status, Instant createdAt) {
    }
}
