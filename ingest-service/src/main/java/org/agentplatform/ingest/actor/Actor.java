package org.agentplatform.ingest.actor;

import java.util.Objects;

/**
 * Who submits a command; recorded in the envelope and part of the idempotency scope. Controllers take
 * it as a parameter, resolved by {@link ActorResolver}.
 */
public record Actor(String name) {

    public static final Actor ANONYMOUS = new Actor("anonymous");

    public Actor {
        Objects.requireNonNull(name, "name");
    }
}
