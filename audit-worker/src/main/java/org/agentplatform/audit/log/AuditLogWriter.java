package org.agentplatform.audit.log;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.audit.AuditChange;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Appends changes to {@code audit_log}, one transaction per batch. The transaction first locks the chain
 * head row, so appends from several consumers (several worker instances) are serialised; under that lock
 * it drops the changes already logged (replays of the at-least-once stream) and links the rest to the head.
 * The unique change id is a second guard: a change logged twice fails the COPY and rolls the batch back;
 * nothing is skipped silently.
 */
class AuditLogWriter {

    private static final Logger log = LoggerFactory.getLogger(AuditLogWriter.class);
    private static final HexFormat HEX = HexFormat.of();

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;

    AuditLogWriter(JdbcTemplate jdbc, TransactionTemplate tx, Clock clock) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
    }

    /** What one append did. */
    record Appended(int appended, int duplicates) {
    }

    Appended append(List<AuditChange> changes) {
        if (changes.isEmpty()) {
            return new Appended(0, 0);
        }
        return tx.execute(status -> jdbc.execute((ConnectionCallback<Appended>) c -> appendIn(c, changes)));
    }

    private Appended appendIn(Connection c, List<AuditChange> changes) throws SQLException {
        Head head = lockHead(c);
        Map<UUID, AuditChange> unique = new LinkedHashMap<>();
        changes.forEach(change -> unique.putIfAbsent(change.changeId(), change));
        Set<UUID> logged = new HashSet<>();
        try (PreparedStatement existing = c.prepareStatement("select change_id from audit_log where change_id = any(?)")) {
            // planned for each batch with its ids, never as a server-prepared statement: a generic plan made while
            // the log was small (a seq scan) would stay cached as it grows, comparing every row with every id
            existing.unwrap(PGStatement.class).setPrepareThreshold(0);
            existing.setArray(1, c.createArrayOf("uuid", unique.keySet().toArray()));
            try (ResultSet rs = existing.executeQuery()) {
                while (rs.next()) {
                    logged.add(rs.getObject(1, UUID.class));
                }
            }
        }
        unique.keySet().removeAll(logged);
        int duplicates = changes.size() - unique.size();
        if (unique.isEmpty()) {
            return new Appended(0, duplicates);
        }
        List<Entry> entries = new ArrayList<>(unique.size());
        for (AuditChange change : unique.values()) {
            entries.add(Entry.of(change));
        }
        insert(c, head, entries, clock.instant());
        return new Appended(entries.size(), duplicates);
    }

    /** One log entry to append; {@code canonical} is the exact text that is hashed and stored. */
    record Entry(UUID changeId, String schema, String table, String operation, String primaryKeyJson,
                 String canonical, Instant commitTime) {

        static Entry of(AuditChange change) {
            return new Entry(change.changeId(), change.schema(), change.table(), change.operation().name(),
                    change.primaryKey().toString(), CanonicalChange.of(change), change.commitTime());
        }
    }

    private record Head(long seq, byte[] hash) {
    }

    /** Locks the chain head: the one point every append goes through, one at a time. */
    private static Head lockHead(Connection c) throws SQLException {
        try (PreparedStatement head = c.prepareStatement("select seq, hash from audit_chain_head where id for update");
             ResultSet rs = head.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("audit_chain_head has no row: was V4__audit_log.sql applied?");
            }
            return new Head(rs.getLong(1), rs.getBytes(2));
        }
    }

    /**
     * Appends entries in the caller's transaction (which must not auto-commit), after locking the chain
     * head; for entries that do not come from the stream, such as the GAP marker of a slot recovery, which
     * is appended in the same transaction that discards the old offsets. It does not drop entries already
     * logged: the caller checks, and an entry logged twice fails and aborts the caller's transaction.
     */
    static void appendInTransaction(Connection c, List<Entry> entries, Instant recordedAt) throws SQLException {
        insert(c, lockHead(c), entries, recordedAt);
    }

    private static void insert(Connection c, Head head, List<Entry> entries, Instant recordedAt) throws SQLException {
        long seq = head.seq();
        byte[] prev = head.hash();
        int n = entries.size();
        int textLength = 0;
        for (Entry entry : entries) {
            textLength += entry.canonical().length();
        }
        // one COPY per batch, in COPY's text format: no per-change round trip, and PostgreSQL parses plain columns
        // instead of unnesting ten text[] literals, which took about a third more of its CPU (CdcThroughputBenchmark)
        CopyRows rows = new CopyRows(textLength + n * 400);
        String recorded = recordedAt.toString();
        MessageDigest sha = CanonicalChange.sha256();
        for (int i = 0; i < n; i++) {
            Entry entry = entries.get(i);
            byte[] hash = CanonicalChange.hash(sha, prev, entry.canonical());
            rows.number(++seq).text(entry.changeId().toString()).text(entry.schema()).text(entry.table())
                    .text(entry.operation()).text(entry.primaryKeyJson()).text(entry.canonical())
                    .text(entry.commitTime().toString()).text(recorded).bytea(prev).bytea(hash).endRow();
            prev = hash;
        }
        long inserted = rows.copyInto(c, """
                copy audit_log (seq, change_id, schema_name, table_name, operation, primary_key, change, commit_time,
                                recorded_at, prev_hash, hash) from stdin""");
        if (inserted != n) {
            // cannot happen: COPY inserts every row or fails; a failure rolls the batch back
            throw new IllegalStateException("expected to append " + n + " audit entries, appended " + inserted);
        }
        try (PreparedStatement update = c.prepareStatement("update audit_chain_head set seq = ?, hash = ? where id")) {
            update.setLong(1, seq);
            update.setBytes(2, prev);
            update.executeUpdate();
        }
    }

    /**
     * Rows in COPY's text format: columns separated by tabs, rows ended by newlines, and in each value the
     * backslash, tab, newline and carriage return escaped. A change id already logged makes the COPY fail on
     * the unique index, which aborts the transaction (the caller's, for {@link #appendInTransaction}):
     * {@link #append} drops such ids under the head lock first, so there it only happens through a bug.
     */
    private static final class CopyRows {
        private final StringBuilder text;
        private boolean rowStart = true;

        CopyRows(int capacity) {
            text = new StringBuilder(capacity);
        }

        CopyRows number(long value) {
            separate();
            text.append(value);
            return this;
        }

        CopyRows text(String value) {
            separate();
            int from = 0;
            for (int i = 0; i < value.length(); i++) {
                String escape = switch (value.charAt(i)) {
                    case '\\' -> "\\\\";
                    case '\t' -> "\\t";
                    case '\n' -> "\\n";
                    case '\r' -> "\\r";
                    default -> null;
                };
                if (escape != null) {
                    text.append(value, from, i).append(escape);
                    from = i + 1;
                }
            }
            if (from == 0) {
                text.append(value); // the common case, copied in bulk
            } else {
                text.append(value, from, value.length());
            }
            return this;
        }

        /** bytea in hex form, {@code \\x…}: the backslash itself escaped for COPY. */
        CopyRows bytea(byte[] value) {
            separate();
            text.append("\\\\x").append(HEX.formatHex(value));
            return this;
        }

        void endRow() {
            text.append('\n');
            rowStart = true;
        }

        private void separate() {
            if (!rowStart) {
                text.append('\t');
            }
            rowStart = false;
        }

        long copyInto(Connection c, String copy) throws SQLException {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copy);
            boolean ended = false;
            try {
                in.writeToCopy(bytes, 0, bytes.length);
                long rows = in.endCopy();
                ended = true;
                return rows;
            } finally {
                // whatever was thrown (an Error too): a COPY left open holds the driver's connection lock, and the
                // rollback would wait for it forever while the chain head stays locked
                if (!ended && in.isActive()) {
                    try {
                        in.cancelCopy();
                    } catch (SQLException cancel) {
                        log.warn("Cancelling an audit log COPY failed: {}", cancel.toString());
                    }
                }
            }
        }
    }
}
