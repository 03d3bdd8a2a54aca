package org.agentplatform.audit.log;

import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
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
import org.postgresql.PGStatement;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Appends changes to {@code audit_log}, one transaction per batch. The transaction first locks the chain
 * head row, so appends from several consumers (several worker instances) are serialised; under that lock
 * it drops the changes already logged (replays of the at-least-once stream) and links the rest to the head.
 * The insert's {@code on conflict do nothing} is a second guard; a count mismatch rolls the batch back.
 */
class AuditLogWriter {

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
            entries.add(new Entry(change.changeId(), change.schema(), change.table(), change.operation().name(),
                    change.primaryKey().toString(), CanonicalChange.of(change), change.commitTime()));
        }
        insert(c, head, entries, clock.instant());
        return new Appended(entries.size(), duplicates);
    }

    /** One log entry to append; {@code canonical} is the exact text that is hashed and stored. */
    record Entry(UUID changeId, String schema, String table, String operation, String primaryKeyJson,
                 String canonical, Instant commitTime) {
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
     * is appended in the same transaction that discards the old offsets.
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
        Object[] seqs = new Object[n], ids = new Object[n];
        ArrayLiteral schemas = new ArrayLiteral(n * 10), tables = new ArrayLiteral(n * 20), ops = new ArrayLiteral(n * 10),
                keys = new ArrayLiteral(n * 64), texts = new ArrayLiteral(textLength + textLength / 8 + n * 3),
                times = new ArrayLiteral(n * 32), prevs = new ArrayLiteral(n * 67), hashes = new ArrayLiteral(n * 67);
        MessageDigest sha = CanonicalChange.sha256();
        for (int i = 0; i < n; i++) {
            Entry entry = entries.get(i);
            byte[] hash = CanonicalChange.hash(sha, prev, entry.canonical());
            seqs[i] = ++seq;
            ids[i] = entry.changeId();
            schemas.add(entry.schema());
            tables.add(entry.table());
            ops.add(entry.operation());
            keys.add(entry.primaryKeyJson());
            texts.add(entry.canonical());
            times.add(entry.commitTime().toString());
            prevs.add(HEX.formatHex(prev));
            hashes.add(HEX.formatHex(hash));
            prev = hash;
        }
        // one multi-row statement per batch: no per-change round trip
        try (PreparedStatement insert = c.prepareStatement("""
                insert into audit_log (seq, change_id, schema_name, table_name, operation, primary_key, change,
                                       commit_time, recorded_at, prev_hash, hash)
                select s, i, sc, t, o, k::jsonb, ch, ct::timestamptz, ?, decode(p, 'hex'), decode(h, 'hex')
                from unnest(?::bigint[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                            ?::text[], ?::text[]) as x(s, i, sc, t, o, k, ch, ct, p, h)
                order by s
                on conflict (change_id) do nothing""")) {
            insert.setObject(1, java.sql.Timestamp.from(recordedAt));
            insert.setArray(2, c.createArrayOf("bigint", seqs));
            insert.setArray(3, c.createArrayOf("uuid", ids));
            List<ArrayLiteral> textColumns = List.of(schemas, tables, ops, keys, texts, times, prevs, hashes);
            for (int i = 0; i < textColumns.size(); i++) {
                // the text[] literal, typed by the statement's cast
                insert.setObject(4 + i, textColumns.get(i).toString(), Types.OTHER);
            }
            int inserted = insert.executeUpdate();
            if (inserted != n) {
                // cannot happen under the head lock; if it did, the chain would have a hole: roll back
                throw new IllegalStateException("expected to append " + n + " audit entries, appended " + inserted);
            }
        }
        try (PreparedStatement update = c.prepareStatement("update audit_chain_head set seq = ?, hash = ? where id")) {
            update.setLong(1, seq);
            update.setBytes(2, prev);
            update.executeUpdate();
        }
    }

    /**
     * A PostgreSQL array literal of text elements, {@code {"a","b \\"quoted\\""}}: every element quoted, quotes and
     * backslashes escaped (what the driver's createArrayOf writes, in bulk instead of character by character).
     */
    private static final class ArrayLiteral {
        private final StringBuilder literal;
        private boolean empty = true;

        ArrayLiteral(int capacity) {
            literal = new StringBuilder(capacity + 2).append('{');
        }

        void add(String element) {
            if (!empty) {
                literal.append(',');
            }
            empty = false;
            if (element == null) {
                literal.append("NULL");
                return;
            }
            literal.append('"');
            int from = 0;
            for (int i = 0; i < element.length(); i++) {
                char ch = element.charAt(i);
                if (ch == '"' || ch == '\\') {
                    literal.append(element, from, i).append('\\');
                    from = i;
                }
            }
            literal.append(element, from, element.length()).append('"');
        }

        @Override
        public String toString() {
            return literal.append('}').toString();
        }
    }
}
