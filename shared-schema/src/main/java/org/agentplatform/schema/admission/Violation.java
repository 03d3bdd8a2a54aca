package org.agentplatform.schema.admission;

import java.util.Objects;

/** One reason a message cannot be stored: the field's JSON path (e.g. {@code payload.evidence.notes}) and why. */
public record Violation(String field, String message) {

    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
