package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.debezium.data.Json;
import io.debezium.data.Uuid;
import io.debezium.time.ZonedTimestamp;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ConnectJson} renders exactly what the engine's JSON converter (schemas disabled) rendered, read back with
 * Jackson: same tree (node types included) and same text, for every Connect type Debezium can hand over.
 */
class ConnectJsonTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void rendersEveryConnectTypeAsTheJsonConverterDid() {
        Schema nested = SchemaBuilder.struct().name("nested").optional()
                .field("a", Schema.OPTIONAL_INT32_SCHEMA).field("b", Schema.OPTIONAL_STRING_SCHEMA).build();
        Schema schema = SchemaBuilder.struct().name("audit.public.everything.Value")
                .field("uuid", Uuid.builder().build())
                .field("text", Schema.STRING_SCHEMA)
                .field("unicode", Schema.OPTIONAL_STRING_SCHEMA)
                .field("jsonb", Json.builder().optional().build())
                .field("timestamptz", ZonedTimestamp.builder().optional().build())
                .field("numeric_as_string", Schema.OPTIONAL_STRING_SCHEMA)
                .field("int8", Schema.OPTIONAL_INT8_SCHEMA)
                .field("int16", Schema.OPTIONAL_INT16_SCHEMA)
                .field("int32", Schema.OPTIONAL_INT32_SCHEMA)
                .field("int64_small", Schema.OPTIONAL_INT64_SCHEMA)
                .field("int64_large", Schema.INT64_SCHEMA)
                .field("int64_min", Schema.INT64_SCHEMA)
                .field("float32", Schema.OPTIONAL_FLOAT32_SCHEMA)
                .field("float32_nan", Schema.OPTIONAL_FLOAT32_SCHEMA)
                .field("float64", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("float64_big", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("float64_inf", Schema.OPTIONAL_FLOAT64_SCHEMA)
                .field("bool", Schema.BOOLEAN_SCHEMA)
                .field("bytes", Schema.OPTIONAL_BYTES_SCHEMA)
                .field("bytes_buffer", Schema.OPTIONAL_BYTES_SCHEMA)
                .field("null_text", Schema.OPTIONAL_STRING_SCHEMA)
                .field("null_with_default", SchemaBuilder.string().optional().defaultValue("NONE").build())
                .field("int_with_default", SchemaBuilder.int64().optional().defaultValue(7L).build())
                .field("decimal", Decimal.builder(2).optional().build())
                .field("date", Date.builder().optional().build())
                .field("time", Time.builder().optional().build())
                .field("timestamp", Timestamp.builder().optional().build())
                .field("array", SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build())
                .field("int_array", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
                .field("map", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA).optional().build())
                .field("int_map", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).optional().build())
                .field("nested", nested)
                .field("null_nested", nested)
                .build();
        Map<String, String> map = new LinkedHashMap<>();
        map.put("k", "v");
        map.put("empty", null);
        Struct row = new Struct(schema)
                .put("uuid", "6a1f4c9e-0000-0000-0000-000000000001")
                .put("text", "plain \"quoted\" \\ back\nslash\ttab \u0001")
                .put("unicode", "Zoë 😀 中文")
                .put("jsonb", "{\"a\": [1, 2.5, {\"b\": null}], \"c\": \"d\"}")
                .put("timestamptz", "2026-01-02T03:04:05.123456Z")
                .put("numeric_as_string", "-12345678901234567890.0001")
                .put("int8", (byte) -8)
                .put("int16", (short) 300)
                .put("int32", Integer.MIN_VALUE)
                .put("int64_small", 42L)
                .put("int64_large", 9_007_199_254_740_993L)
                .put("int64_min", Long.MIN_VALUE)
                .put("float32", 0.1f)
                .put("float32_nan", Float.NaN)
                .put("float64", 1.0 / 3)
                .put("float64_big", 1.5e300)
                .put("float64_inf", Double.NEGATIVE_INFINITY)
                .put("bool", true)
                .put("bytes", new byte[] {0, 1, 2, (byte) 0xfe, (byte) 0xff, 42})
                .put("bytes_buffer", ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)))
                .put("decimal", new BigDecimal("-123.45"))
                .put("date", new java.util.Date(86_400_000L * 20_000))
                .put("time", new java.util.Date(3_723_004L))
                .put("timestamp", new java.util.Date(1_767_225_600_123L))
                .put("array", java.util.Arrays.asList("x", null, "z"))
                .put("int_array", List.of(1L, 5_000_000_000L))
                .put("map", map)
                .put("int_map", Map.of(3, "three"))
                .put("nested", new Struct(nested).put("a", 1).put("b", "two"));

        JsonNode expected = json.readTree(jsonConverter(false).fromConnectData("topic", schema, row));
        JsonNode actual = ConnectJson.object(row);

        assertThat(actual).isEqualTo(expected);
        assertThat(json.writeValueAsString(actual)).isEqualTo(json.writeValueAsString(expected));
        // the node types too (equals tells IntNode from LongNode): walk the fields
        expected.properties().forEach(e -> assertThat(actual.get(e.getKey()).getNodeType())
                .as(e.getKey()).isEqualTo(e.getValue().getNodeType()));
        assertThat(actual.get("int64_small").isInt()).isTrue();
        assertThat(actual.get("null_with_default").asString()).isEqualTo("NONE");
    }

    @Test
    void rendersKeysAsTheKeyConverterDid() {
        Schema schema = SchemaBuilder.struct().name("audit.public.claim_votes.Key")
                .field("claim_id", Uuid.builder().build()).field("voter_id", Uuid.builder().build()).field("n", Schema.INT32_SCHEMA)
                .build();
        Struct key = new Struct(schema).put("claim_id", "c1").put("voter_id", "v1").put("n", 3);
        assertThat(ConnectJson.object(key)).isEqualTo(json.readTree(jsonConverter(true).fromConnectData("topic", schema, key)));
        assertThat(ConnectJson.object(null)).isNull();
    }

    private static JsonConverter jsonConverter(boolean isKey) {
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), isKey);
        return converter;
    }
}
