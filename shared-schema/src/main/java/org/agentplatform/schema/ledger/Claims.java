package org.agentplatform.schema.ledger;

/** Claim vocabulary shared by commands and events. */
public final class Claims {

    /** The aggregate type of claim events: they are published on {@code events.claim}, keyed by claim id. */
    public static final String AGGREGATE = "claim";

    private Claims() {
    }
}
