package org.agentplatform.schema.authorization;

import java.util.Objects;
import java.util.UUID;

/**
 * Who issued a command, read from the envelope's {@code actor}: the admin ({@code "admin"}), an agent (its
 * id), or a trusted internal service (any other name, e.g. {@code job-worker}). The HTTP edge sets the actor
 * from the caller's key; on the command topics it is whatever the producer wrote, so a direct producer is
 * trusted exactly as far as the topic's ACL lets it write.
 */
public sealed interface Issuer {

    String ADMIN = "admin";

    /** The envelope actor this issuer is recorded as. */
    String name();

    static Issuer of(String actor) {
        Objects.requireNonNull(actor, "actor");
        if (ADMIN.equals(actor)) {
            return new Admin();
        }
        if (actor.length() == 36) {
            try {
                UUID id = UUID.fromString(actor);
                if (id.toString().equals(actor)) {
                    return new Agent(id);
                }
            } catch (IllegalArgumentException notAnId) {
                // a service name that happens to be 36 characters long
            }
        }
        return new Service(actor);
    }

    /** The operator role: registers, grants, suspends; holds no account of its own. */
    record Admin() implements Issuer {
        @Override
        public String name() {
            return ADMIN;
        }
    }

    /** An agent, acting only as itself. */
    record Agent(UUID id) implements Issuer {
        public Agent {
            Objects.requireNonNull(id, "id");
        }

        @Override
        public String name() {
            return id.toString();
        }
    }

    /** A trusted internal producer (the job worker's escrow saga, the ledger's own claims, a billing service). */
    record Service(String name) implements Issuer {
        public Service {
            Objects.requireNonNull(name, "name");
        }
    }
}
