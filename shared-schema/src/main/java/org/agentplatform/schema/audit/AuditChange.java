package org.agentplatform.schema.audit;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.agentplatform.schema.messaging.DerivedIds;

/**
 * One row change of an audited table, as published on {@code audit.changes} (JSON, see
 * {@link AuditChangeCodec}). Delivery is at least once: consumers dedupe on {@link #changeId()}.
 *
 * <p>Kafka record: key {@link #kafkaKey()} ({@code <table>:<primary key>}, so all changes of one row
 * stay in one partition, in commit order), header {@code id} = {@code changeId}.
 *
 * <p>Fields:
 * <ul>
 *   <li>{@code changeId}: stable id of this change, the same on every replay of it; see
 *       {@link #changeIdOf}.</li>
 *   <li>{@code schemaVersion}: version of this contract, {@value #SCHEMA_VERSION}. Fields may be added
 *       within a version; a breaking change bumps it.</li>
 *   <li>{@code schema}, {@code table}: the PostgreSQL schema and table, e.g. {@code public},
 *       {@code accounts}.</li>
 *   <li>{@code operation}: {@link Operation}.</li>
 *   <li>{@code primaryKey}: JSON object of the primary key columns, e.g. {@code {"id":"…"}}.</li>
 *   <li>{@code before}: the row before the change, or null. PostgreSQL only logs it in full for tables
 *       with {@code REPLICA IDENTITY FULL}; with the default identity it is null for UPDATE and holds only
 *       the key columns for DELETE.</li>
 *   <li>{@code after}: the row after the change; null for DELETE.</li>
 *   <li>Row values are rendered as Debezium's JSON converter renders them: uuid and text as strings,
 *       integers as numbers, {@code timestamptz} as ISO-8601 strings, other temporals as ISO strings,
 *       numerics as decimal strings, and {@code jsonb} as a string holding the JSON text.</li>
 *   <li>{@code txId}: the PostgreSQL transaction id (for SNAPSHOT: the snapshot's).</li>
 *   <li>{@code lsn}: the WAL position of this change (for SNAPSHOT: the position the stream continues from
 *       after the snapshot; the same for every attempt at one snapshot).</li>
 *   <li>{@code commitLsn}: the commit LSN of the transaction, or null when the connector does not report
 *       it per change (Debezium 3.6 does not).</li>
 *   <li>{@code commitTime}: when the transaction committed (for SNAPSHOT: when the row was read), with
 *       microsecond precision where the source gives it.</li>
 * </ul>
 *
 * <p>No text of a change contains the NUL character (U+0000): not {@code schema} or {@code table}, nor any string
 * or field name inside {@code primaryKey}, {@code before} or {@code after}. PostgreSQL text and jsonb cannot hold
 * it, so no row a change describes can have it, and the audit log could not store it.
 */
public record AuditChange(
        UUID changeId,
        int schemaVersion,
        String schema,
        String table,
        Operation operation,
        ObjectNode primaryKey,
        @Nullable ObjectNode before,
        @Nullable ObjectNode after,
        long txId,
        long lsn,
        @Nullable Long commitLsn,
        Instant commitTime) {

    public static final int SCHEMA_VERSION = 1;

    /** What happened to the row; {@code code} is Debezium's {@code op}. */
    public enum Operation {
        INSERT("c"), UPDATE("u"), DELETE("d"),
        /** The row existed when capture started and was read by the initial snapshot. */
        SNAPSHOT("r");

        private final String code;

        Operation(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        public static Operation fromCode(String code) {
            for (Operation op : values()) {
                if (op.code.equals(code)) {
                    return op;
                }
            }
            throw new IllegalArgumentException("unknown change operation '" + code + "'");
        }
    }

    public AuditChange {
        Objects.requireNonNull(changeId, "changeId");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(commitTime, "commitTime");
        primaryKey = primaryKey == null ? JsonNodeFactory.instance.objectNode() : primaryKey;
        // refused here, where it decodes, so that a consumer dead-letters it rather than retrying an insert forever
        requireNoNul("schema", schema);
        requireNoNul("table", table);
        requireNoNul("primaryKey", primaryKey);
        requireNoNul("before", before);
        requireNoNul("after", after);
    }

    /** A change whose {@code changeId} is derived from its coordinates (see {@link #changeIdOf}). */
    public static AuditChange of(String schema, String table, Operation operation, @Nullable ObjectNode primaryKey,
                                 @Nullable ObjectNode before, @Nullable ObjectNode after, long txId, long lsn,
                                 @Nullable Long commitLsn,
                                 Instant commitTime) {
        ObjectNode pk = primaryKey == null ? JsonNodeFactory.instance.objectNode() : primaryKey;
        return new AuditChange(changeIdOf(txId, lsn, schema, table, operation, pk), SCHEMA_VERSION, schema, table,
                operation, pk, before, after, txId, lsn, commitLsn, commitTime);
    }

    /**
     * The stable id of a change: a name-based UUID (version 3) over
     * {@code "audit-change:v1|<txId>|<lsn>|<schema>.<table>|<op code>|<primary key JSON>"}.
     * Replaying the WAL yields the same transaction id and LSN for the same change, so the id is the
     * same. The LSN orders changes within the transaction; the table, key and operation separate the
     * changes that share one WAL record (a multi-row COPY, or the delete + insert Debezium emits for a
     * key-changing update) and the rows of a snapshot, which all carry the snapshot's LSN. The commit
     * LSN is not part of the id because the connector does not report it per change.
     *
     * <p>A SNAPSHOT's id leaves the transaction id out:
     * {@code "audit-change:v1|snapshot|<lsn>|<schema>.<table>|r|<primary key JSON>"}. A snapshot that is
     * taken again after a crash runs in a new transaction but from the same slot position (its {@code lsn}),
     * so a row read by both attempts keeps one id and is logged once.
     */
    public static UUID changeIdOf(long txId, long lsn, String schema, String table, Operation operation,
                                  JsonNode primaryKey) {
        String position = operation == Operation.SNAPSHOT ? "snapshot|" + lsn : txId + "|" + lsn;
        String name = "audit-change:v1|" + position + "|" + schema + "." + table + "|" + operation.code()
                + "|" + primaryKey;
        return DerivedIds.ofName(name);
    }

    private static void requireNoNul(String path, @Nullable JsonNode node) {
        if (node == null) {
            return;
        }
        if (node.isString()) {
            requireNoNul(path, node.asString());
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String child = path + "." + field.getKey().replace("\u0000", "\\u0000");
                requireNoNul(child + " (the field name)", field.getKey());
                requireNoNul(child, field.getValue());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                requireNoNul(path + "[" + i + "]", node.get(i));
            }
        }
    }

    private static void requireNoNul(String path, String text) {
        if (text.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException(path + " contains the NUL character (U+0000), which PostgreSQL text "
                    + "and jsonb cannot hold");
        }
    }

    /**
     * The Kafka key: {@code <table>:<key>}, where {@code <key>} is the single key column's value as text,
     * or the JSON array of the key values (in key column order) for a composite key.
     */
    public String kafkaKey() {
        if (primaryKey.size() == 1) {
            JsonNode only = primaryKey.values().iterator().next();
            return table + ":" + (only.isString() ? only.asString() : only.toString());
        }
        StringBuilder values = new StringBuilder("[");
        for (Iterator<JsonNode> it = primaryKey.values().iterator(); it.hasNext(); ) {
            values.append(it.next().toString());
            if (it.hasNext()) {
                values.append(',');
            }
        }
        return table + ":" + values.append(']');
    }
}
