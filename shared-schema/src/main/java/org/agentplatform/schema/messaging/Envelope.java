package org.agentplatform.schema.messaging;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The envelope every command and event travels in. {@code id} is the dedupe key for consumers;
 * {@code type} and {@code schemaVersion} tell them how to read {@code payload}. The version is the lowest one
 * that holds the payload ({@link MessageVersions#of}), so messages that use nothing new stay readable by
 * readers of the older version.
 */
public record Envelope<P extends Message>(
        UUID id,
        String type,
        int schemaVersion,
        Instant occurredAt,
        String actor,
        UUID correlationId,
        @Nullable UUID causationId,
        P payload) {

    public Envelope {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(correlationId, "correlationId");
        Objects.requireNonNull(payload, "payload");
        if (schemaVersion < MessageVersions.of(payload) || schemaVersion > MessageVersions.newest(payload.getClass())) {
            // a version that cannot hold the payload would be refused by every reader of that version
            throw new IllegalArgumentException("schemaVersion " + schemaVersion + " cannot hold this " + type
                    + " (it needs " + MessageVersions.of(payload) + " to " + MessageVersions.newest(payload.getClass()) + ")");
        }
    }

    /** A new message that starts its own correlation. */
    public static <P extends Message> Envelope<P> of(UUID id, P payload, String actor, Instant at) {
        return new Envelope<>(id, MessageTypes.nameOf(payload), MessageVersions.of(payload), at, actor, id, null, payload);
    }

    /** A message caused by {@code cause}: it keeps the correlation id and names its cause. */
    public static <P extends Message> Envelope<P> causedBy(Envelope<?> cause, UUID id, P payload, String actor, Instant at) {
        return new Envelope<>(id, MessageTypes.nameOf(payload), MessageVersions.of(payload), at, actor,
                cause.correlationId(), cause.id(), payload);
    }
}
