package org.agentplatform.ingest.keys;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.keys.ApiKeys.KeyInfo;
import org.agentplatform.ingest.keys.ApiKeys.NewKey;
import org.agentplatform.ingest.web.Reads;
import org.agentplatform.schema.ledger.Accounts;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * An agent's keys, managed by the admin or by the agent itself (so it can rotate: create a new key, switch,
 * revoke the old one). Keys are ingest's own state, not commands: they take effect at once.
 */
@RestController
class KeyController {

    private final ApiKeys keys;
    private final KeyQueries queries;

    KeyController(ApiKeys keys, KeyQueries queries) {
        this.keys = keys;
        this.queries = queries;
    }

    /**
     * 201 with the key, shown this once. Only for a registered agent (a key for an id the ledger never registered
     * would let its holder act before, or instead of, the agent) and never for a system account (409).
     */
    @PostMapping("/agents/{agentId}/keys")
    ResponseEntity<?> create(@PathVariable UUID agentId, Actor actor) {
        actor.requireSelfOrAdmin(agentId, "Creating a key");
        if (Accounts.isSystem(agentId)) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                    agentId + " is a system account: system accounts have no keys");
            problem.setTitle("System account");
            return ResponseEntity.of(problem).build();
        }
        if (!queries.isRegistered(agentId)) {
            return Reads.notFound("No agent " + agentId + " is registered (a registration may still be pending)");
        }
        NewKey key = keys.create(agentId);
        return ResponseEntity.created(URI.create("/agents/" + agentId + "/keys/" + key.keyId())).body(key);
    }

    @GetMapping("/agents/{agentId}/keys")
    List<KeyInfo> list(@PathVariable UUID agentId, Actor actor) {
        actor.requireSelfOrAdmin(agentId, "Listing keys");
        return keys.keysOf(agentId);
    }

    /** Takes effect with the next request: every request checks its key. */
    @DeleteMapping("/agents/{agentId}/keys/{keyId}")
    ResponseEntity<?> revoke(@PathVariable UUID agentId, @PathVariable UUID keyId, Actor actor) {
        actor.requireSelfOrAdmin(agentId, "Revoking a key");
        if (!keys.revoke(agentId, keyId)) {
            return Reads.notFound("Agent " + agentId + " has no key " + keyId);
        }
        return ResponseEntity.noContent().build();
    }
}
