package org.agentplatform.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides where one Debezium change goes, reading Debezium's JSON change event (schemas disabled):
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
    Optional<Route> route(String key, String value) {
        if (value == null) {
            return Optional.empty(); // tombstone
        }
        JsonNode change = json.readTree(value);
        JsonNode source = change.get("source");
        String op = text(change, "op");
        if (source == null || op == null || !source.has("table")) {
            return Optional.empty(); // heartbeat or other non-row event
        }
        String table = text(source, "schema") + "." + text(source, "table");
        if (table.equals(outboxTable)) {
            return outboxEvent(op, change, source);
        }
        if (auditedTables.contains(table)) {
            return auditChange(key, op, change, source);
        }
        return Optional.empty();
    }

    /**
     * The commit time of any row change (including those routed nowhere, such as heartbeat table writes), for
     * the engine lag; empty for heartbeat messages and tombstones.
     */
    Optional<Instant> commitTimeOf(String value) {
        if (value == null) {
            return Optional.empty();
        }
        JsonNode source = json.readTree(value).get("source");
        if (source == null || !source.has("table") || isSnapshot(source)) {
            return Optional.empty();
        }
        return Optional.of(sourceTime(source));
    }

    private Optional<Route> outboxEvent(String op, JsonNode change, JsonNode source) {
        if (!op.equals("c") && !op.equals("r")) {
            if (op.equals("u")) {
                log.warn("Ignoring an update of outbox row {}: outbox rows are immutable", change.path("after").path("id"));
            }
            return Optional.empty(); // the delete that follows the insert: the event went out with the insert
        }
        JsonNode row = change.get("after");
        String id = required(row, "id");
        String aggregateType = required(row, "aggregate_type");
        String aggregateId = required(row, "aggregate_id");
        String eventType = required(row, "event_type");
        JsonNode payload = row.get("payload");
        // jsonb arrives as its JSON text: publish that text unchanged (PostgreSQL has normalised it)
        byte[] value = payload == null || payload.isNull() ? null
                : payload.isString() ? payload.asString().getBytes(StandardCharsets.UTF_8)
                : json.writeValueAsBytes(payload);
        List<Header> headers = List.of(header(HEADER_ID, id), header(HEADER_EVENT_TYPE, eventType));
        return Optional.of(new Route(Route.Kind.EVENT,
                new ProducerRecord<>(topics.events(aggregateType), null, aggregateId, value, headers),
                sourceTime(source), op.equals("r")));
    }

    private Optional<Route> auditChange(String key, String op, JsonNode change, JsonNode source) {
        Operation operation;
        try {
            operation = Operation.fromCode(op);
        } catch (IllegalArgumentException e) {
            log.debug("Skipping change with operation '{}' of {}", op, source.path("table"));
            return Optional.empty();
        }
        Instant commitTime = sourceTime(source);
        AuditChange audit = AuditChange.of(text(source, "schema"), text(source, "table"), operation,
                key == null ? null : object(json.readTree(key)),
                object(change.get("before")), object(change.get("after")),
                source.path("txId").asLong(), source.path("lsn").asLong(), null, commitTime);
        List<Header> headers = List.of(header(HEADER_ID, audit.changeId().toString()));
        return Optional.of(new Route(Route.Kind.AUDIT,
                new ProducerRecord<>(topics.auditChanges(), null, audit.kafkaKey(), codec.encode(audit), headers),
                commitTime, operation == Operation.SNAPSHOT));
    }

    /** Commit time of the change, in microseconds where Debezium gives them. */
    private static Instant sourceTime(JsonNode source) {
        JsonNode micros = source.get("ts_us");
        if (micros != null && micros.isNumber()) {
            long us = micros.asLong();
            return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L);
        }
        return Instant.ofEpochMilli(source.path("ts_ms").asLong());
    }

    /** Debezium marks snapshot reads "true", "first", "last" …; streamed changes "false" or not at all. */
    private static boolean isSnapshot(JsonNode source) {
        String snapshot = text(source, "snapshot");
        return snapshot != null && !snapshot.equals("false");
    }

    private static ObjectNode object(JsonNode node) {
        return node instanceof ObjectNode object ? object : null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    private static String required(JsonNode row, String field) {
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
