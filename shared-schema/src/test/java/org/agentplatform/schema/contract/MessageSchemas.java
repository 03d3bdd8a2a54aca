package org.agentplatform.schema.contract;

import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.admission.Admissibility;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.admission.Text;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Message;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.MessageTypes;
import org.agentplatform.schema.messaging.MessageVersions;
import org.agentplatform.schema.messaging.Since;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Derives the JSON Schema of each published contract from its record, so the files under
 * {@code shared-schema/src/main/resources/schemas/v<n>/} follow the Java contract. A contract is one schema
 * version of a message type in its envelope ({@link Contract#message}), or of the audit change
 * ({@link Contract#auditChange}). Every component is required (the codec fails on missing creator properties)
 * except the optional ones ({@link Since}: left out when null), and belongs to the versions from its
 * {@code @Since} on; a component may be null only if the record's constructor accepts null for it (probed).
 * Commands refuse unknown payload fields (so does the codec: a producer's typo is a dead letter, not a half-read
 * command); events and the audit change leave them open, because their consumers ignore fields they do not know
 * (the versioning policy, README "Versioning"). Also builds a sample instance of every record.
 */
final class MessageSchemas {

    static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";
    static final String ID_BASE = "https://schemas.agentplatform.org/";
    static final Instant SAMPLE_INSTANT = Instant.parse("2025-01-02T03:04:05.678Z");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MessageSchemas() {
    }

    /** Who reads a contract decides what breaks it (see {@link SchemaCompatibility}). */
    enum Kind {
        /** Read by the workers: a change must keep accepting what producers of the version send. */
        COMMAND,
        /** Read by stream consumers: a change must keep giving them what the version promised. */
        EVENT
    }

    /** One published schema: a type at one version. */
    record Contract(String type, int version, Class<?> record, Kind kind) {

        static Contract message(String type, int version) {
            Class<? extends Message> record = MessageTypes.byName(type).orElseThrow();
            return new Contract(type, version, record, Command.class.isAssignableFrom(record) ? Kind.COMMAND : Kind.EVENT);
        }

        static Contract auditChange() {
            return new Contract("AuditChange", AuditChange.SCHEMA_VERSION, AuditChange.class, Kind.EVENT);
        }

        boolean isMessage() {
            return Message.class.isAssignableFrom(record);
        }

        String fileName() {
            return type + ".schema.json";
        }

        /** The file's path below {@code schemas/}. */
        String path() {
            return "v" + version + "/" + fileName();
        }

        @Override
        public String toString() {
            return type + " v" + version;
        }
    }

    /** Every contract: each message type at each of its versions, and the audit change. */
    static List<Contract> contracts() {
        List<Contract> contracts = new ArrayList<>();
        MessageTypes.all().forEach((name, type) -> {
            for (int version = 1; version <= MessageVersions.newest(type); version++) {
                contracts.add(Contract.message(name, version));
            }
        });
        contracts.add(Contract.auditChange());
        return contracts;
    }

    /** The schema of {@code contract}, as the file holds it (two-space indent, trailing newline). */
    static String schemaText(Contract contract, JsonMapper json) {
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(schema(contract)).replace("\r\n", "\n") + "\n";
    }

    static ObjectNode schema(Contract contract) {
        ObjectNode schema = NODES.objectNode();
        schema.put("$schema", DIALECT);
        schema.put("$id", ID_BASE + contract.path());
        schema.put("title", contract.type());
        if (!contract.isMessage()) {
            schema.put("description", "A row change on audit.changes (schema version " + contract.version()
                    + "), as JSON on Kafka. Generated from " + contract.record().getName() + "; do not edit by hand.");
            ObjectNode change = recordSchema(contract.record(), contract.version(), contract.kind());
            ((ObjectNode) change.get("properties")).putObject("schemaVersion").put("const", contract.version());
            schema.setAll(change);
            return schema;
        }
        schema.put("description", (contract.kind() == Kind.COMMAND ? "Command" : "Event") + " " + contract.type()
                + " (schema version " + contract.version() + ") in its envelope, as JSON on Kafka."
                + " Generated from " + contract.record().getName() + "; do not edit by hand.");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.set("id", uuid(false));
        properties.putObject("type").put("const", contract.type());
        properties.putObject("schemaVersion").put("const", contract.version());
        properties.set("occurredAt", dateTime(false));
        properties.set("actor", text(string(false), 1, Admissibility.MAX_ACTOR));
        properties.set("correlationId", uuid(false));
        properties.set("causationId", uuid(true));
        properties.set("payload", recordSchema(contract.record(), contract.version(), contract.kind()));
        ArrayNode required = schema.putArray("required");
        for (RecordComponent component : Envelope.class.getRecordComponents()) {
            required.add(component.getName());
        }
        schema.put("additionalProperties", false);
        return schema;
    }

    private static ObjectNode recordSchema(Class<?> record, int version, Kind kind) {
        ObjectNode schema = NODES.objectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = NODES.arrayNode();
        RecordComponent[] components = record.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            Since since = component.getAnnotation(Since.class);
            if (since != null && since.value() > version) {
                continue;
            }
            // an optional component is left out when null, never written as null
            ObjectNode property = typeSchema(component.getGenericType(), since == null && acceptsNull(record, i), kind);
            if (component.getType() == String.class) {
                text(property, component.getAnnotation(Text.class));
            }
            properties.set(component.getName(), property);
            if (since == null) {
                required.add(component.getName());
            }
        }
        schema.set("required", required);
        if (kind == Kind.COMMAND) {
            schema.put("additionalProperties", false);
        }
        return schema;
    }

    private static ObjectNode typeSchema(Type type, boolean nullable, Kind kind) {
        Class<?> raw = raw(type);
        if (raw == UUID.class) {
            return uuid(nullable);
        }
        if (raw == String.class) {
            return string(nullable);
        }
        if (raw == Instant.class) {
            return dateTime(nullable);
        }
        if (raw == Duration.class) {
            ObjectNode schema = typed("string", nullable);
            schema.put("format", "duration");
            return schema;
        }
        if (raw == long.class || raw == Long.class) {
            ObjectNode schema = typed("integer", nullable);
            schema.put("minimum", Long.MIN_VALUE);
            schema.put("maximum", Long.MAX_VALUE);
            return schema;
        }
        if (raw == int.class || raw == Integer.class) {
            ObjectNode schema = typed("integer", nullable);
            schema.put("minimum", Integer.MIN_VALUE);
            schema.put("maximum", Integer.MAX_VALUE);
            return schema;
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return typed("boolean", nullable);
        }
        if (raw.isEnum()) {
            ObjectNode schema = typed("string", nullable);
            ArrayNode values = schema.putArray("enum");
            for (Object constant : raw.getEnumConstants()) {
                values.add(((Enum<?>) constant).name());
            }
            if (nullable) {
                values.addNull();
            }
            return schema;
        }
        if (raw == List.class) {
            ObjectNode schema = typed("array", nullable);
            schema.set("items", typeSchema(((ParameterizedType) type).getActualTypeArguments()[0], false, kind));
            return schema;
        }
        if (raw == Map.class) {
            ObjectNode schema = typed("object", nullable);
            schema.put("description", "free-form JSON object");
            return schema;
        }
        if (raw == JsonNode.class) {
            ObjectNode schema = NODES.objectNode();
            schema.put("description", "any JSON value");
            return schema;
        }
        if (raw == ObjectNode.class) {
            ObjectNode schema = typed("object", nullable);
            schema.put("description", "JSON object");
            return schema;
        }
        if (raw.isRecord()) {
            ObjectNode schema = recordSchema(raw, Integer.MAX_VALUE, kind);
            if (nullable) {
                schema.putArray("type").add("object").add("null");
            }
            return schema;
        }
        throw new IllegalArgumentException("No JSON Schema mapping for " + type + ": extend MessageSchemas");
    }

    private static ObjectNode uuid(boolean nullable) {
        ObjectNode schema = typed("string", nullable);
        schema.put("format", "uuid");
        return schema;
    }

    private static ObjectNode dateTime(boolean nullable) {
        ObjectNode schema = typed("string", nullable);
        schema.put("format", "date-time");
        return schema;
    }

    /** What {@link Admissibility} allows of a text component: its length, and no NUL. */
    private static ObjectNode text(ObjectNode schema, Text limit) {
        return limit == null ? text(schema, 0, Admissibility.DEFAULT_MAX_TEXT) : text(schema, limit.min(), limit.max());
    }

    private static ObjectNode text(ObjectNode schema, int min, int max) {
        if (min > 0) {
            schema.put("minLength", min);
        }
        schema.put("maxLength", max);
        schema.put("pattern", "^[^\\u0000]*$");
        return schema;
    }

    private static ObjectNode string(boolean nullable) {
        return typed("string", nullable);
    }

    private static ObjectNode typed(String type, boolean nullable) {
        ObjectNode schema = NODES.objectNode();
        if (nullable) {
            schema.putArray("type").add(type).add("null");
        } else {
            schema.put("type", type);
        }
        return schema;
    }

    // ------------------------------------------------------------------ samples

    /** A valid instance of {@code record}, every component set. */
    static Object sample(Class<?> record) {
        return sample(record, Integer.MAX_VALUE);
    }

    /** A valid instance of {@code record} at {@code version}: every component of that version set, later ones null. */
    static Object sample(Class<?> record, int version) {
        RecordComponent[] components = record.getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Since since = components[i].getAnnotation(Since.class);
            args[i] = since != null && since.value() > version ? null : sampleValue(components[i].getGenericType());
        }
        return construct(record, args);
    }

    /** The JSON the codec writes for a sample of {@code contract}'s message in its envelope. */
    static JsonNode sampleEnvelope(Contract contract, MessageCodec codec) {
        Message payload = (Message) sample(contract.record(), contract.version());
        Envelope<Message> envelope = Envelope.of(UUID.randomUUID(), payload, "agent-7", SAMPLE_INSTANT);
        return codec.mapper().readTree(codec.encode(envelope));
    }

    private static Object sampleValue(Type type) {
        Class<?> raw = raw(type);
        if (raw == UUID.class) {
            return UUID.randomUUID();
        }
        if (raw == String.class) {
            return "text";
        }
        if (raw == Instant.class) {
            return SAMPLE_INSTANT;
        }
        if (raw == Duration.class) {
            return Duration.ofSeconds(30);
        }
        if (raw == long.class || raw == Long.class) {
            return 12L;
        }
        if (raw == int.class || raw == Integer.class) {
            return 3;
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return true;
        }
        if (raw.isEnum()) {
            return raw.getEnumConstants()[0];
        }
        if (raw == List.class) {
            return List.of(sampleValue(((ParameterizedType) type).getActualTypeArguments()[0]));
        }
        if (raw == Map.class) {
            return Map.of("key", "value", "n", 1);
        }
        if (raw == JsonNode.class || raw == ObjectNode.class) {
            return NODES.objectNode().put("key", "value");
        }
        if (raw.isRecord()) {
            return sample(raw);
        }
        throw new IllegalArgumentException("No sample for " + type);
    }

    /** Whether the canonical constructor takes {@code null} for component {@code index}. */
    private static boolean acceptsNull(Class<?> record, int index) {
        RecordComponent[] components = record.getRecordComponents();
        if (components[index].getType().isPrimitive()) {
            return false;
        }
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            args[i] = i == index ? null : sampleValue(components[i].getGenericType());
        }
        try {
            Object instance = construct(record, args);
            // a constructor that replaces null by a default (e.g. evidence = Map.of()) never writes null
            Object value = components[index].getAccessor().invoke(instance);
            return value == null;
        } catch (IllegalStateException | ReflectiveOperationException e) {
            return false;
        }
    }

    private static Object construct(Class<?> record, Object[] args) {
        Class<?>[] types = new Class<?>[record.getRecordComponents().length];
        for (int i = 0; i < types.length; i++) {
            types[i] = record.getRecordComponents()[i].getType();
        }
        try {
            Constructor<?> constructor = record.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Class<?> raw(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        throw new IllegalArgumentException("Unsupported type " + type);
    }
}
