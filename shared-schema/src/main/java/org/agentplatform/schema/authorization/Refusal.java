package org.agentplatform.schema.authorization;

import java.util.Objects;

/** Why an issuer may not send a command: a reason code (e.g. {@code FORBIDDEN}) and a detail naming the field. */
public record Refusal(String reason, String field, String detail) {

    public Refusal {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(detail, "detail");
    }
}
