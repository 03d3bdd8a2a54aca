package org.agentplatform.ingest.agents;

import java.net.URI;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.Accepted;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandOutcomes;
import org.agentplatform.ingest.commands.CommandOutcomes.Outcome;
import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.ingest.commands.Replayable;
import org.agentplatform.ingest.keys.ApiKeys;
import org.agentplatform.ingest.keys.ApiKeys.NewKey;
import org.agentplatform.ingest.web.Reads;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Registering, suspending and reactivating agents (admin commands the ledger worker applies), and reading them. */
@RestController
class AgentController {

    private final ApiKeys keys;
    private final AgentQueries agents;
    private final CommandOutcomes outcomes;
    private final RegistrationProperties registration;

    AgentController(ApiKeys keys, AgentQueries agents, CommandOutcomes outcomes, RegistrationProperties registration) {
        this.keys = keys;
        this.agents = agents;
        this.outcomes = outcomes;
        this.registration = registration;
    }

    /**
     * Publishes RegisterAgent and waits (bounded) for the ledger's outcome. Applied: 201 with the agent's first
     * API key, minted only now that the agent exists, with an id derived from the command id so that a retry
     * mints no second one. Rejected (the agent exists already, ...): 409 with the reason, no key. No outcome in
     * time: 202 with the command id and no key; a key is then created with {@code POST /agents/{id}/keys} once
     * the agent is registered. A replayed answer never carries the key (it is not stored).
     */
    @PostMapping(path = "/agents", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> register(@Valid @RequestBody RegisterAgentRequest request, CommandRequest command) {
        return command.submit(request, commandId -> {
            // derived from the (random, stored) command id: a retry under the same Idempotency-Key names the same agent
            UUID agentId = request.agentId() != null ? request.agentId() : CommandIds.derived(commandId, "agent");
            command.publish(commandId, new RegisterAgent(agentId, request.name()));
            Optional<Outcome> outcome = outcomes.await(commandId, registration.timeout(), registration.pollInterval());
            if (outcome.isEmpty()) {
                return Accepted.response(commandId, new RegistrationPending(commandId, agentId));
            }
            if (!outcome.get().applied()) {
                ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, "Agent " + agentId
                        + " was not registered: " + outcome.get().reason() + (outcome.get().detail() == null ? ""
                        : " (" + outcome.get().detail() + ")"));
                problem.setTitle("Registration rejected");
                problem.setProperty("commandId", commandId);
                problem.setProperty("reason", outcome.get().reason());
                throw new ErrorResponseException(HttpStatus.CONFLICT, problem, null);
            }
            NewKey key = keys.createWithId(CommandIds.derived(commandId, "api-key"), agentId).orElse(null);
            return ResponseEntity.created(URI.create("/agents/" + agentId)).body(new Registered(commandId, agentId,
                    key == null ? null : key.keyId(), key == null ? null : key.prefix(), key == null ? null : key.apiKey()));
        });
    }

    @PostMapping("/agents/{agentId}/suspension")
    ResponseEntity<?> suspend(@PathVariable UUID agentId, CommandRequest command) {
        return command.accept(id -> new SuspendAgent(agentId));
    }

    @PostMapping("/agents/{agentId}/reactivation")
    ResponseEntity<?> reactivate(@PathVariable UUID agentId, CommandRequest command) {
        return command.accept(id -> new ReactivateAgent(agentId));
    }

    /** Any authenticated caller may read an agent: verifiers need to know whom they vote on. */
    @GetMapping("/agents/{agentId}")
    ResponseEntity<?> agent(@PathVariable UUID agentId, Actor actor) {
        return Reads.found(agents.find(agentId), "No agent " + agentId + " (a registration may still be pending)");
    }

    /** {@code agentId} is optional: without it the service assigns one. */
    record RegisterAgentRequest(@Nullable UUID agentId, @NotBlank @Size(max = 200) String name) {
    }

    /** {@code apiKey} is present only in the first answer: a replayed answer has the key's id and prefix. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Registered(UUID commandId, UUID agentId, @Nullable UUID keyId, @Nullable String keyPrefix,
                      @Nullable String apiKey) implements Replayable {

        @Override
        public Object forReplay() {
            return new Registered(commandId, agentId, keyId, keyPrefix, null);
        }
    }

    /** The ledger had not answered in time: no key yet. */
    record RegistrationPending(UUID commandId, UUID agentId) {
    }
}
