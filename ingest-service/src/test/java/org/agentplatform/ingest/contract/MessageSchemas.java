package org.agentplatform.ingest.contract;

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
import org.agentplatform.schema.admission.Text;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Message;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.MessageTypes;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Derives the JSON Schema of each message type's envelope from its record, so the published schemas
 * ({@code shared-schema/src/main/resources/schemas/<Type>.schema.json}) follow the Java contract: every
 * component is required (the codec fails on missing creator properties), a component may be null only if
 * the record's constructor accepts null for it (probed), and unknown fields are not allowed (the codec
 * fails on them). Also builds a sample instance of every record, for validating what the codec writes.
 */
final class MessageSchemas {

    static final String DIALECT = "https://json-schema.org/draft/2020-12/schema";
    static final String ID_BASE = "https://schemas.agentplatform.org/v1/";
    static final Instant SAMPLE_INSTANT = Instant.parse("2025-01-02T03:04:05.678Z");

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MessageSchemas() {
    }

    static String fileName(String type) {
        return type + ".schema.json";
    }

    /** The schema of {@code type}'s envelope, as the file holds it (two-space indent, trailing newline). */
    static String schemaText(String type, JsonMapper json) {
        return json.writerWithDefaultPrettyPrinter().writeValueAsString(schema(type)).replace("\r\n", "\n") + "\n";
    }

    static ObjectNode schema(String type) {
        Class<? extends Message> record = MessageTypes.byName(type).orElseThrow();
        ObjectNode schema = NODES.objectNode();
        schema.put("$schema", DIALECT);
        schema.put("$id", ID_BASE + fileName(type));
        schema.put("title", type);
        schema.put("description", (Command.class.isAssignableFrom(record) ? "Command" : "Event") + " " + type
                + " (schema version " + MessageTypes.SCHEMA_VERSION + ") in its envelope, as JSON on Kafka."
                + " Generated from " + record.getName() + "; do not edit by hand.");
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.set("id", uuid(false));
        properties.putObject("type").put("const", type);
        properties.putObject("schemaVersion").put("const", MessageTypes.SCHEMA_VERSION);
        properties.set("occurredAt", dateTime(false));
        properties.set("actor", text(string(false), 1, Admissibility.MAX_ACTOR));
        properties.set("correlationId", uuid(false));
        properties.set("causationId", uuid(true));
        properties.set("payload", recordSchema(record));
        ArrayNode required = schema.putArray("required");
        for (RecordComponent component : Envelope.class.getRecordComponents()) {
            required.add(component.getName());
        }
        schema.put("additionalProperties", false);
        return schema;
    }

    private static ObjectNode recordSchema(Class<?> record) {
        ObjectNode schema = NODES.objectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = NODES.arrayNode();
        RecordComponent[] components = record.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            RecordComponent component = components[i];
            ObjectNode property = typeSchema(component.getGenericType(), acceptsNull(record, i));
            if (component.getType() == String.class) {
                text(property, component.getAnnotation(Text.class));
            }
            properties.set(component.getName(), property);
            required.add(component.getName());
        }
        schema.set("required", required);
        schema.put("additionalProperties", false);
        return schema;
    }

    private static ObjectNode typeSchema(Type type, boolean nullable) {
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
            schema.set("items", typeSchema(((ParameterizedType) type).getActualTypeArguments()[0], false));
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
        if (raw.isRecord()) {
            ObjectNode schema = recordSchema(raw);
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
        RecordComponent[] components = record.getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            args[i] = sampleValue(components[i].getGenericType());
        }
        return construct(record, args);
    }

    /** The JSON the codec writes for a sample of {@code type} in its envelope. */
    static JsonNode sampleEnvelope(String type, MessageCodec codec) {
        Message payload = (Message) sample(MessageTypes.byName(type).orElseThrow());
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
        if (raw == JsonNode.class) {
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

    /** All message types, in the registry's order. */
    static List<String> types() {
        return new ArrayList<>(MessageTypes.all().keySet());
    }
}
