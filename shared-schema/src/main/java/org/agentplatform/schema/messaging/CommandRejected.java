package org.agentplatform.schema.messaging;

import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A command that was understood but not applied: a recorded outcome, not an error. Published on the
 * event topic of the aggregate the command addressed.
 */
public record CommandRejected(UUID commandId, String commandType, String aggregateType, String aggregateId,
                              String reason, @Nullable String detail) implements Event {

    public CommandRejected {
        Objects.requireNonNull(commandId, "commandId");
        Objects.requireNonNull(commandType, "commandType");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(aggregateId, "aggregateId");
        Objects.requireNonNull(reason, "reason");
    }
}
