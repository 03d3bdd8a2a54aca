package org.agentplatform.audit.cdc;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.connect.data.ConnectSchema;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.jspecify.annotations.Nullable;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Kafka Connect data (Debezium's {@link Struct}s) as JSON trees, exactly as the audit stream has always rendered
 * them: what Kafka Connect's {@code JsonConverter} with schemas disabled (and its defaults otherwise) writes, read
 * back with Jackson. That is: strings as strings (so uuid, jsonb as its JSON text, Debezium's ISO temporals and
 * decimals in {@code string} mode), integers as numbers, floats as doubles (NaN and infinities as strings), bytes
 * as base64, a null replaced by the field's default where the schema has one, Connect's own logical types as
 * {@code JsonConverter} renders them (Decimal as base64 of the unscaled value, Date as days, Time as millis of the
 * day, Timestamp as epoch millis), maps with string keys as objects and other maps as arrays of [key, value].
 * Integral numbers come out as int nodes when they fit, as a JSON parser would produce them.
 *
 * <p>Building the tree straight from the Struct saves the engine serialising every change to a JSON string
 * and the router parsing it again.
 */
final class ConnectJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    private ConnectJson() {
    }

    /** The JSON object of a struct; null for a null struct. */
    static @Nullable ObjectNode object(@Nullable Struct struct) {
        return struct == null ? null : struct(struct.schema(), struct);
    }

    /** One value with its (possibly null) schema; a JSON null for a null value, as inside a struct. */
    static JsonNode toJson(@Nullable Schema schema, @Nullable Object value) {
        if (value == null) {
            if (schema == null) {
                return NODES.nullNode();
            }
            if (schema.defaultValue() != null) {
                return toJson(schema, schema.defaultValue()); // JsonConverter's replace.null.with.default=true
            }
            if (schema.isOptional()) {
                return NODES.nullNode();
            }
            throw new DataException("Conversion error: null value for field that is required and has no default value");
        }
        try {
            if (schema != null && schema.name() != null) {
                JsonNode logical = logical(schema, value);
                if (logical != null) {
                    return logical;
                }
            }
            Schema.Type type = schema != null ? schema.type() : ConnectSchema.schemaType(value.getClass());
            if (type == null) {
                throw new DataException("Java class " + value.getClass() + " does not have corresponding schema type.");
            }
            return switch (type) {
                case INT8, INT16, INT32 -> NODES.numberNode(((Number) value).intValue());
                case INT64 -> integral((Long) value);
                case FLOAT32 -> floating(((Float) value).floatValue());
                case FLOAT64 -> floating(((Double) value).doubleValue());
                case BOOLEAN -> NODES.booleanNode((Boolean) value);
                case STRING -> NODES.stringNode(((CharSequence) value).toString());
                case BYTES -> bytes(value);
                case ARRAY -> array(schema, (Collection<?>) value);
                case MAP -> map(schema, (Map<?, ?>) value);
                // object() passes a struct's own schema, and every field, element and value of a schema has one
                case STRUCT -> struct(Objects.requireNonNull(schema, "a Struct is rendered with its schema"),
                        (Struct) value);
            };
        } catch (ClassCastException e) {
            String schemaType = schema != null ? schema.type().toString() : "unknown schema";
            throw new DataException("Invalid type for " + schemaType + ": " + value.getClass());
        }
    }

    private static ObjectNode struct(Schema schema, Struct struct) {
        ObjectNode object = NODES.objectNode();
        for (Field field : schema.fields()) {
            object.set(field.name(), toJson(field.schema(), struct.getWithoutDefault(field.name())));
        }
        return object;
    }

    /** Connect's logical types, as JsonConverter writes them with its default {@code decimal.format=BASE64}. */
    private static @Nullable JsonNode logical(Schema schema, Object value) {
        return switch (schema.name()) {
            case Decimal.LOGICAL_NAME -> NODES.stringNode(BASE64.encodeToString(Decimal.fromLogical(schema, (BigDecimal) value)));
            case Date.LOGICAL_NAME -> NODES.numberNode(Date.fromLogical(schema, (java.util.Date) value));
            case Time.LOGICAL_NAME -> NODES.numberNode(Time.fromLogical(schema, (java.util.Date) value));
            case Timestamp.LOGICAL_NAME -> integral(Timestamp.fromLogical(schema, (java.util.Date) value));
            default -> null;
        };
    }

    private static JsonNode integral(long value) {
        return value == (int) value ? NODES.numberNode((int) value) : NODES.numberNode(value);
    }

    /** Jackson writes a float by its shortest decimal form and NaN and infinities as strings. */
    private static JsonNode floating(float value) {
        return Float.isFinite(value) ? NODES.numberNode(Double.parseDouble(Float.toString(value)))
                : NODES.stringNode(Float.toString(value));
    }

    private static JsonNode floating(double value) {
        return Double.isFinite(value) ? NODES.numberNode(value) : NODES.stringNode(Double.toString(value));
    }

    private static JsonNode bytes(Object value) {
        byte[] bytes;
        if (value instanceof byte[] array) {
            bytes = array;
        } else if (value instanceof ByteBuffer buffer) {
            bytes = buffer.array(); // the whole backing array, as JsonConverter does
        } else {
            throw new DataException("Invalid type for bytes type: " + value.getClass());
        }
        return NODES.stringNode(BASE64.encodeToString(bytes));
    }

    private static ArrayNode array(@Nullable Schema schema, Collection<?> values) {
        Schema elements = schema == null ? null : schema.valueSchema();
        ArrayNode array = NODES.arrayNode();
        for (Object element : values) {
            array.add(toJson(elements, element));
        }
        return array;
    }

    /** An object when the keys are strings, otherwise an array of [key, value] pairs. */
    private static JsonNode map(@Nullable Schema schema, Map<?, ?> map) {
        boolean objectMode;
        if (schema == null) {
            objectMode = map.keySet().stream().allMatch(key -> key instanceof String);
        } else {
            objectMode = schema.keySchema().type() == Schema.Type.STRING;
        }
        Schema keys = schema == null ? null : schema.keySchema();
        Schema values = schema == null ? null : schema.valueSchema();
        if (objectMode) {
            ObjectNode object = NODES.objectNode();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                object.set(toJson(keys, entry.getKey()).asString(), toJson(values, entry.getValue()));
            }
            return object;
        }
        ArrayNode pairs = NODES.arrayNode();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            pairs.add(NODES.arrayNode().add(toJson(keys, entry.getKey())).add(toJson(values, entry.getValue())));
        }
        return pairs;
    }
}
