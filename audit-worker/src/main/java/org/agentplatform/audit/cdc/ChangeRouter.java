package org.agentplatform.audit.cdc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides where one Debezium change goes, reading the change event's Kafka Connect {@link Struct}s (row values
 * are rendered to JSON by {@link ConnectJson}, as Debezium's JSON converter with schemas disabled would):
 * <ul>
 *   <li>an insert into the outbox becomes a domain event on {@code events.<aggregate_type>}, keyed by
 *       {@code aggregate_id}, with the {@code payload} column as the value and headers {@code id} and
 *       {@code eventType}; the outbox row's deletion (usually in the same transaction) produces nothing;</li>
 *   <li>a change of an audited table becomes an {@link AuditChange} on {@code audit.changes};</li>
 *   <li>anything else (heartbeats, tombstones, other tables) is skipped.</li>
 * </ul>
 * The mapping is done here rather than with Debezium's outbox {@code EventRouter} SMT: both record kinds
 * share one pass, topic names come from {@link Topics} instead of a template string, and the outbox delete
 * is skipped by an explicit rule rather than by SMT configuration.
 */
class ChangeRouter {

    static final String HEADER_ID = "id";
    static final String HEADER_EVENT_TYPE = "eventType";

    private static final Logger log = LoggerFactory.getLogger(ChangeRouter.class);

    private final Topics topics;
    private final Set<String> auditedTables;
    private final String outboxTable;
    private final JsonMapper json = JsonMapper.builder().build();
    private final AuditChangeCodec codec = new AuditChangeCodec();

    ChangeRouter(Topics topics, List<String> auditedTables, String outboxTable) {
        this.topics = topics;
        this.auditedTables = Set.copyOf(auditedTables);
        this.outboxTable = outboxTable;
    }

    /** Where one change goes; empty when it goes nowhere. */
    Optional<Route> route(SourceRecord record) {
        Struct change = envelope(record);
        if (change == null) {
            return Optional.empty(); // tombstone, heartbeat or other non-row event
        }
        Struct source = source(change);
        String op = (String) value(change, "op");
        if (op == null) {
            return Optional.empty();
        }
        String table = value(source, "schema") + "." + value(source, "table");
        if (table.equals(outboxTable)) {
            return outboxEvent(op, change, source);
        }
        if (auditedTables.contains(table)) {
            return auditChange(record, op, change, source);
        }
        return Optional.empty();
    }

    /**
     * The commit time of any row change (including those routed nowhere, such as heartbeat table writes), for
     * the engine lag; empty for heartbeat messages and tombstones.
     */
    Optional<Instant> commitTimeOf(SourceRecord record) {
        Struct change = envelope(record);
        if (change == null) {
            return Optional.empty();
        }
        Struct source = source(change);
        if (isSnapshot(source)) {
            return Optional.empty();
        }
        return Optional.of(sourceTime(source));
    }

    /** The change event's value when it is a row change (has a source naming a table), else null. */
    private static @Nullable Struct envelope(SourceRecord record) {
        if (!(record.value() instanceof Struct change)) {
            return null; // tombstone
        }
        Field source = change.schema().field("source");
        if (source == null || !(change.get(source) instanceof Struct info) || info.schema().field("table") == null) {
            return null; // heartbeat or other non-row event
        }
        return change;
    }

    /** The source block of a change {@link #envelope} returned. */
    private static Struct source(Struct change) {
        return (Struct) Objects.requireNonNull(value(change, "source"), "envelope() checked that there is one");
    }

    private Optional<Route> outboxEvent(String op, Struct change, Struct source) {
        if (!op.equals("c") && !op.equals("r")) {
            if (op.equals("u")) {
                Struct after = (Struct) value(change, "after");
                log.warn("Ignoring an update of outbox row {}: outbox rows are immutable", after == null ? null : value(after, "id"));
            }
            return Optional.empty(); // the delete that follows the insert: the event went out with the insert
        }
        ObjectNode row = ConnectJson.object((Struct) value(change, "after"));
        String id = required(row, "id");
        String aggregateType = required(row, "aggregate_type");
        String aggregateId = required(row, "aggregate_id");
        String eventType = required(row, "event_type");
        JsonNode payload = Objects.requireNonNull(row, "required() refused a missing row").get("payload");
        // jsonb arrives as its JSON text: publish that text unchanged (PostgreSQL has normalised it)
        byte[] value = payload == null || payload.isNull() ? null
                : payload.isString() ? payload.asString().getBytes(StandardCharsets.UTF_8)
                : json.writeValueAsBytes(payload);
        List<Header> headers = List.of(header(HEADER_ID, id), header(HEADER_EVENT_TYPE, eventType));
        return Optional.of(new Route(Route.Kind.EVENT,
                new ProducerRecord<>(topics.events(aggregateType), null, aggregateId, value, headers),
                sourceTime(source), op.equals("r")));
    }

    private Optional<Route> auditChange(SourceRecord record, String op, Struct change, Struct source) {
        Operation operation;
        try {
            operation = Operation.fromCode(op);
        } catch (IllegalArgumentException e) {
            log.debug("Skipping change with operation '{}' of {}", op, value(source, "table"));
            return Optional.empty();
        }
        Instant commitTime = sourceTime(source);
        ObjectNode key = record.key() instanceof Struct k ? ConnectJson.object(k)
                : record.key() == null ? null : object(ConnectJson.toJson(record.keySchema(), record.key()));
        // route() found schema.table among the audited tables: the source names both
        String schema = (String) Objects.requireNonNull(value(source, "schema"), "source schema");
        String table = (String) Objects.requireNonNull(value(source, "table"), "source table");
        AuditChange audit = AuditChange.of(schema, table, operation, key,
                ConnectJson.object((Struct) value(change, "before")), ConnectJson.object((Struct) value(change, "after")),
                longValue(source, "txId"), longValue(source, "lsn"), null, commitTime);
        List<Header> headers = List.of(header(HEADER_ID, audit.changeId().toString()));
        return Optional.of(new Route(Route.Kind.AUDIT,
                new ProducerRecord<>(topics.auditChanges(), null, audit.kafkaKey(), codec.encode(audit), headers),
                commitTime, operation == Operation.SNAPSHOT));
    }

    /** Commit time of the change, in microseconds where Debezium gives them. */
    private static Instant sourceTime(Struct source) {
        if (value(source, "ts_us") instanceof Number micros) {
            long us = micros.longValue();
            return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
        }
        return Instant.ofEpochMilli(longValue(source, "ts_ms"));
    }

    /** Debezium marks snapshot reads "true", "first", "last" …; streamed changes "false" or not at all. */
    private static boolean isSnapshot(Struct source) {
        Object snapshot = value(source, "snapshot");
        return snapshot != null && !snapshot.toString().equals("false");
    }

    /** A field's value (its default when null, as the JSON rendering had it); null when there is no such field. */
    private static @Nullable Object value(Struct struct, String field) {
        Field f = struct.schema().field(field);
        return f == null ? null : struct.get(f);
    }

    private static long longValue(Struct struct, String field) {
        return value(struct, field) instanceof Number n ? n.longValue() : 0L;
    }

    private static @Nullable ObjectNode object(JsonNode node) {
        return node instanceof ObjectNode object ? object : null;
    }

    private static @Nullable String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static String required(@Nullable JsonNode row, String field) {
        String value = row == null ? null : text(row, field);
        if (value == null) {
            throw new IllegalStateException("outbox row without " + field + ": " + row);
        }
        return value;
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A record to publish.
     *
     * @param sourceTime when the change committed (or was read, for a snapshot)
     * @param snapshot   whether it comes from the initial snapshot rather than the WAL stream
     */
    record Route(Kind kind, ProducerRecord<String, byte[]> record, Instant sourceTime, boolean snapshot) {
        enum Kind { EVENT, AUDIT }
    }
}
