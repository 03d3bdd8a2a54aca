package org.agentplatform.audit.cdc;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.debezium.data.Envelope;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium PostgreSQL change events as the engine hands them over ({@link SourceRecord}s with Kafka Connect
 * structs), shaped like the connector's: key struct of the primary key, value envelope with before, after,
 * source (commit time in {@code ts_us}, {@code txId}, {@code lsn}, {@code snapshot}), op and timestamps.
 */
final class ChangeEvents {

    /** The source block of the PostgreSQL connector. */
    static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA)
            .field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.INT64_SCHEMA)
            .field("snapshot", io.debezium.data.Enum.builder("true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
                    .defaultValue("false").optional().build())
            .field("db", Schema.STRING_SCHEMA)
            .field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA)
            .field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA)
            .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("xmin", Schema.OPTIONAL_INT64_SCHEMA)
            .build();

    static final long TX_ID = 750;
    static final long LSN = 24023128;
    /** 2026-01-01T00:00:00.123456Z: the commit time of the events built here. */
    static final long COMMIT_MICROS = 1767225600123456L;

    private ChangeEvents() {
    }

    /** A row change of {@code public.<table>} (op c, u, d or r) at {@link #LSN}; before or after may be null. */
    static SourceRecord change(String table, String op, Struct key, Struct before, Struct after) {
        return change(table, op, key, before, after, LSN);
    }

    static SourceRecord change(String table, String op, Struct key, Struct before, Struct after, long lsn) {
        Schema row = (after != null ? after : before).schema();
        Envelope envelope = Envelope.defineSchema().withName("audit.public." + table + ".Envelope")
                .withRecord(row).withSource(SOURCE).build();
        Struct source = source(table, lsn, op.equals("r") ? "true" : "false");
        Instant processed = Instant.ofEpochMilli(1767225600200L);
        Struct value = switch (op) {
            case "c" -> envelope.create(after, source, processed);
            case "u" -> envelope.update(before, after, source, processed);
            case "d" -> envelope.delete(before, source, processed);
            case "r" -> envelope.read(after, source, processed);
            default -> throw new IllegalArgumentException(op);
        };
        return new SourceRecord(Map.of("server", "audit"), Map.of("lsn", lsn), "audit.public." + table, null,
                key == null ? null : key.schema(), key, envelope.schema(), value);
    }

    static Struct source(String table, long lsn, String snapshot) {
        return new Struct(SOURCE)
                .put("version", "3.6.1.Final")
                .put("connector", "postgresql")
                .put("name", "audit")
                .put("ts_ms", COMMIT_MICROS / 1000)
                .put("snapshot", snapshot)
                .put("db", "ledger")
                .put("sequence", "[\"24022000\",\"" + lsn + "\"]")
                .put("ts_us", COMMIT_MICROS)
                .put("ts_ns", COMMIT_MICROS * 1000)
                .put("schema", "public")
                .put("table", table)
                .put("txId", TX_ID)
                .put("lsn", lsn);
    }

    /** A struct of the given columns in order: strings, longs, ints, booleans, byte arrays and nulls (as optional strings). */
    static Struct row(String name, Map<String, Object> columns) {
        SchemaBuilder schema = SchemaBuilder.struct().name(name).optional();
        columns.forEach((column, value) -> schema.field(column, schemaOf(value)));
        Struct struct = new Struct(schema.build());
        columns.forEach(struct::put);
        return struct;
    }

    private static Schema schemaOf(Object value) {
        if (value == null || value instanceof String) {
            return Schema.OPTIONAL_STRING_SCHEMA;
        } else if (value instanceof Long) {
            return Schema.OPTIONAL_INT64_SCHEMA;
        } else if (value instanceof Integer) {
            return Schema.OPTIONAL_INT32_SCHEMA;
        } else if (value instanceof Boolean) {
            return Schema.OPTIONAL_BOOLEAN_SCHEMA;
        } else if (value instanceof byte[]) {
            return Schema.OPTIONAL_BYTES_SCHEMA;
        }
        throw new IllegalArgumentException("no schema for " + value.getClass());
    }

    /** The key struct {@code {"id": id}}. */
    static Struct key(String table, String id) {
        Schema schema = SchemaBuilder.struct().name("audit.public." + table + ".Key").field("id", Schema.STRING_SCHEMA).build();
        return new Struct(schema).put("id", id);
    }

    /** An ordered map of columns, for {@link #row}. */
    static Map<String, Object> columns(Object... namesAndValues) {
        Map<String, Object> columns = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            columns.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return columns;
    }

    /** The heartbeat message Debezium emits every heartbeat interval (not a row change). */
    static SourceRecord heartbeat() {
        Schema key = SchemaBuilder.struct().name("io.debezium.connector.common.ServerNameKey")
                .field("serverName", Schema.STRING_SCHEMA).build();
        Schema value = SchemaBuilder.struct().name("io.debezium.connector.common.Heartbeat")
                .field("ts_ms", Schema.INT64_SCHEMA).build();
        return new SourceRecord(Map.of("server", "audit"), Map.of("lsn", LSN), "__debezium-heartbeat.audit", null,
                key, new Struct(key).put("serverName", "audit"), value, new Struct(value).put("ts_ms", 1767225600000L));
    }

    /** A tombstone: a key without a value. */
    static SourceRecord tombstone(Struct key) {
        return new SourceRecord(Map.of("server", "audit"), Map.of("lsn", LSN), "audit.public.outbox", null,
                key.schema(), key, null, null);
    }
}
