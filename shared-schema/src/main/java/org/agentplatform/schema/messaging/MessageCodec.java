package org.agentplatform.schema.messaging;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON for envelopes. Reading is strict (unknown fields, unknown types and missing required fields are
 * errors) because a producer's typo must surface as a dead letter, not as a half-read command.
 */
public final class MessageCodec {

    private final JsonMapper mapper;

    public MessageCodec() {
        this(JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build());
    }

    public MessageCodec(JsonMapper mapper) {
        this.mapper = mapper;
    }

    public JsonMapper mapper() {
        return mapper;
    }

    public byte[] encode(Envelope<?> envelope) {
        return mapper.writeValueAsBytes(envelope);
    }

    public String encodeToString(Envelope<?> envelope) {
        return mapper.writeValueAsString(envelope);
    }

    public String encodePayload(Message payload) {
        return mapper.writeValueAsString(payload);
    }

    /** Reads an envelope whose payload is of the family {@code family}; anything else is malformed. */
    @SuppressWarnings("unchecked")
    public <P extends Message> Envelope<P> decode(byte[] json, Class<P> family) {
        if (json == null || json.length == 0) {
            throw new MalformedMessageException("empty record value");
        }
        if (json[0] == 0 || json.length > 1 && json[1] == 0) {
            // Jackson would guess UTF-16 or UTF-32 from the zero bytes and report garbled text; the contract is UTF-8
            throw new MalformedMessageException("not UTF-8 JSON: the record starts with a NUL byte");
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (JacksonException e) {
            throw new MalformedMessageException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedMessageException("not a JSON object");
        }
        JsonNode typeNode = tree.get("type");
        if (typeNode == null || !typeNode.isString()) {
            throw new MalformedMessageException("missing field 'type'");
        }
        String type = typeNode.asString();
        Class<? extends Message> payloadType = MessageTypes.byName(type)
                .orElseThrow(() -> new MalformedMessageException("unknown message type '" + type + "'"));
        if (!family.isAssignableFrom(payloadType)) {
            throw new MalformedMessageException("message type '" + type + "' does not belong on this topic");
        }
        JsonNode version = tree.get("schemaVersion");
        int newest = MessageVersions.newest(payloadType);
        if (version == null || !version.isInt() || version.asInt() < 1 || version.asInt() > newest) {
            throw new MalformedMessageException("unsupported schemaVersion " + version + " for '" + type
                    + "' (this reader knows 1 to " + newest + ")");
        }
        JsonNode body = required(tree, "payload");
        if (!body.isObject()) {
            throw new MalformedMessageException("invalid " + type + ": 'payload' is not a JSON object");
        }
        try {
            JsonNode current = MessageVersions.upcast(type, payloadType, version.asInt(), (ObjectNode) body);
            P payload = (P) mapper.treeToValue(current, payloadType);
            var header = (ObjectNode) tree.deepCopy();
            header.remove("payload");
            EnvelopeHeader h = mapper.treeToValue(header, EnvelopeHeader.class);
            // the version of what was read, upcast: re-encoding it writes what a reader of that version expects
            return new Envelope<>(h.id(), type, MessageVersions.of(payload), h.occurredAt(), h.actor(), h.correlationId(),
                    h.causationId(), payload);
        } catch (JacksonException e) {
            throw new MalformedMessageException("invalid " + type + ": " + rootMessage(e), e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedMessageException("invalid " + type + ": " + e.getMessage(), e);
        }
    }

    /** How the fingerprint of an unreadable record begins: it is of its bytes, and matches no command's. */
    public static final String UNREADABLE = "unreadable:";

    /**
     * What can be read of a record that {@link #decode} refused: its envelope's {@code id}, its {@code type} when it
     * names a known message type, its {@code actor} when it is a string, and a fingerprint of its bytes. Empty when
     * not even the id can be read. Never throws.
     */
    public java.util.Optional<Identity> identify(byte[] json) {
        if (json == null || json.length == 0 || json[0] == 0) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode tree = mapper.readTree(json);
            JsonNode id = tree == null ? null : tree.get("id");
            if (id == null || !id.isString()) {
                return java.util.Optional.empty();
            }
            JsonNode type = tree.get("type");
            JsonNode actor = tree.get("actor");
            return java.util.Optional.of(new Identity(java.util.UUID.fromString(id.asString()),
                    type != null && type.isString() && MessageTypes.byName(type.asString()).isPresent() ? type.asString() : null,
                    actor != null && actor.isString() ? actor.asString() : null, UNREADABLE + sha256(json)));
        } catch (JacksonException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** The readable part of an unreadable envelope; {@code type} and {@code actor} may be null. */
    public record Identity(java.util.UUID id, @Nullable String type, @Nullable String actor, String fingerprint) {
    }

    /**
     * A stable fingerprint of a command: SHA-256 over the canonical JSON of its payload (keys sorted).
     * The same command id arriving with another fingerprint is a producer error.
     */
    public String fingerprint(Message payload) {
        JsonNode canonical = mapper.valueToTree(payload);
        return sha256(mapper.writeValueAsString(canonical).getBytes(StandardCharsets.UTF_8));
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    private static JsonNode required(JsonNode tree, String field) {
        JsonNode node = tree.get(field);
        if (node == null || node.isNull()) {
            throw new MalformedMessageException("missing field '" + field + "'");
        }
        return node;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String msg = t instanceof JacksonException je ? je.getOriginalMessage() : t.getMessage();
        return msg == null ? t.getClass().getSimpleName() : msg;
    }

    /** The envelope without its payload, read first so the payload can be typed by {@code type}. */
    private record EnvelopeHeader(java.util.UUID id, String type, int schemaVersion, java.time.Instant occurredAt,
                                  String actor, java.util.UUID correlationId, java.util.@Nullable UUID causationId) {
    }
}
