package org.agentplatform.audit.log;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Proves the audit log: walks the chain in sequence order (no gap, each entry links to the previous hash, its
 * hash is sha256(prev_hash || change), its columns agree with its change, the head row points at the last
 * entry) and reports the first broken link; then cross-checks every current row of the audited tables against
 * the newest log entry for its primary key (present, not a DELETE, and its {@code after} equal to the row),
 * and every key whose newest entry is not a DELETE against the table (the row must still exist).
 *
 * <p>The cross-check compares with the live tables, so run it while the pipeline has caught up (or read
 * row problems of the very latest changes as "not yet logged").
 */
class AuditLogVerifier {

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*");
    private static final String UNAVAILABLE = "__debezium_unavailable_value";
    private static final int MAX_ROW_PROBLEMS = 100;

    private final JdbcTemplate jdbc;
    private final List<String> auditedTables;

    AuditLogVerifier(JdbcTemplate jdbc, List<String> auditedTables) {
        this.jdbc = jdbc;
        this.auditedTables = List.copyOf(auditedTables);
        auditedTables.forEach(t -> {
            if (!TABLE_NAME.matcher(t).matches()) {
                throw new IllegalArgumentException("audited table must be schema.table: " + t);
            }
        });
    }

    /** The first entry whose link is broken, and why. */
    record BrokenLink(long seq, UUID changeId, String reason) {
    }

    /** A row of an audited table whose latest state is not what the log says. */
    record RowProblem(String table, String primaryKey, String problem) {
    }

    /**
     * @param entries     entries walked (up to and including a broken one)
     * @param rowsChecked live rows cross-checked
     * @param explainedByGap rows deleted while changes were lost: their newest entry precedes a GAP marker, so
     *                       the log cannot prove their deletion, and says why; not a failure
     */
    record Report(boolean chainIntact, long entries, BrokenLink firstBrokenLink, long rowsChecked,
                  List<RowProblem> rowProblems, List<RowProblem> explainedByGap) {

        boolean ok() {
            return chainIntact && rowProblems.isEmpty();
        }

        String describe() {
            StringBuilder s = new StringBuilder();
            s.append(chainIntact ? "chain intact: " + entries + " entries"
                    : "chain BROKEN at seq " + firstBrokenLink.seq() + " (change " + firstBrokenLink.changeId() + "): "
                    + firstBrokenLink.reason());
            s.append(System.lineSeparator()).append(rowsChecked).append(" rows checked, ")
                    .append(rowProblems.size()).append(" problem(s)");
            rowProblems.forEach(p -> s.append(System.lineSeparator()).append("  ").append(p.table()).append(' ')
                    .append(p.primaryKey()).append(": ").append(p.problem()));
            return s.toString();
        }
    }

    Report verify() {
        return jdbc.execute((ConnectionCallback<Report>) c -> {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false); // a cursor (fetch size) needs a transaction; one snapshot for both checks
            try {
                c.createStatement().execute("set transaction isolation level repeatable read, read only");
                Chain chain = walkChain(c);
                List<RowProblem> problems = new ArrayList<>();
                List<RowProblem> explained = new ArrayList<>();
                long rows = 0;
                for (String table : auditedTables) {
                    rows += crossCheck(c, table, problems, explained);
                }
                c.commit();
                return new Report(chain.broken == null, chain.entries, chain.broken, rows, List.copyOf(problems),
                        List.copyOf(explained));
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        });
    }

    private static final class Chain {
        long entries;
        BrokenLink broken;
    }

    private Chain walkChain(Connection c) throws SQLException {
        Chain chain = new Chain();
        byte[] prev = CanonicalChange.GENESIS;
        long expectedSeq = 1;
        try (PreparedStatement walk = c.prepareStatement("""
                select seq, change_id, schema_name, table_name, operation, primary_key::text, change, prev_hash, hash
                from audit_log order by seq""")) {
            walk.setFetchSize(1000);
            try (ResultSet rs = walk.executeQuery()) {
                while (rs.next()) {
                    chain.entries++;
                    long seq = rs.getLong(1);
                    UUID id = rs.getObject(2, UUID.class);
                    String reason = checkEntry(rs, seq, expectedSeq, prev);
                    if (reason != null) {
                        chain.broken = new BrokenLink(seq, id, reason);
                        return chain;
                    }
                    prev = rs.getBytes(9);
                    expectedSeq = seq + 1;
                }
            }
        }
        try (PreparedStatement head = c.prepareStatement("select seq, hash from audit_chain_head");
             ResultSet rs = head.executeQuery()) {
            if (!rs.next()) {
                chain.broken = new BrokenLink(expectedSeq, null, "the chain head row is missing");
            } else if (rs.getLong(1) != expectedSeq - 1 || !Arrays.equals(rs.getBytes(2), prev)) {
                // entries at the end were removed (or the head was moved)
                chain.broken = new BrokenLink(expectedSeq, null, "the chain head (seq " + rs.getLong(1)
                        + ") does not point at the last entry (seq " + (expectedSeq - 1) + "): entries are missing");
            }
        }
        return chain;
    }

    private static String checkEntry(ResultSet rs, long seq, long expectedSeq, byte[] prev) throws SQLException {
        if (seq != expectedSeq) {
            return "entries " + expectedSeq + ".." + (seq - 1) + " are missing";
        }
        if (!Arrays.equals(rs.getBytes(8), prev)) {
            return "prev_hash does not match the hash of entry " + (seq - 1);
        }
        String change = rs.getString(7);
        if (!Arrays.equals(CanonicalChange.hash(prev, change), rs.getBytes(9))) {
            return "hash does not match the entry's content (the change was altered)";
        }
        // the indexed columns must say what the hashed change says
        JsonNode parsed;
        try {
            parsed = CanonicalChange.parse(change);
        } catch (JacksonException e) {
            return "the change is not valid JSON";
        }
        UUID id = rs.getObject(2, UUID.class);
        if (!id.toString().equals(parsed.path("changeId").asString())
                || !rs.getString(3).equals(parsed.path("schema").asString())
                || !rs.getString(4).equals(parsed.path("table").asString())
                || !rs.getString(5).equals(parsed.path("operation").asString())
                || !CanonicalChange.parse(rs.getString(6)).equals(parsed.path("primaryKey"))) {
            return "the entry's columns do not match its change";
        }
        return null;
    }

    /** Returns the number of live rows checked. */
    private long crossCheck(Connection c, String qualified, List<RowProblem> problems, List<RowProblem> explained)
            throws SQLException {
        String[] parts = qualified.split("\\.");
        String schema = parts[0];
        String table = parts[1];
        List<String> keyColumns = primaryKeyColumns(c, qualified);
        if (keyColumns.isEmpty()) {
            problems.add(new RowProblem(qualified, "", "table missing or without a primary key"));
            return 0;
        }
        StringBuilder pk = new StringBuilder("jsonb_build_object(");
        for (int i = 0; i < keyColumns.size(); i++) {
            String col = keyColumns.get(i).replace("\"", "\"\"");
            pk.append(i == 0 ? "" : ", ").append("'").append(col.replace("'", "''")).append("', t.\"").append(col).append('"');
        }
        pk.append(')');
        String from = "\"" + schema + "\".\"" + table + "\" t";
        long rows = 0;
        try (PreparedStatement live = c.prepareStatement("""
                select r.pk::text, r.row::text, l.operation, l.change
                from (select %s as pk, to_jsonb(t) as row from %s) r
                left join lateral (select a.operation, a.change from audit_log a
                                   where a.schema_name = ? and a.table_name = ? and a.primary_key = r.pk
                                   order by a.seq desc limit 1) l on true""".formatted(pk, from))) {
            live.setFetchSize(1000);
            live.setString(1, schema);
            live.setString(2, table);
            try (ResultSet rs = live.executeQuery()) {
                while (rs.next()) {
                    rows++;
                    String problem = rowProblem(rs.getString(3), rs.getString(4), rs.getString(2));
                    if (problem != null && problems.size() < MAX_ROW_PROBLEMS) {
                        problems.add(new RowProblem(qualified, rs.getString(1), problem));
                    }
                }
            }
        }
        try (PreparedStatement gone = c.prepareStatement("""
                select l.primary_key::text,
                       l.seq < coalesce((select max(seq) from audit_log where operation = 'GAP'), 0)
                from (select distinct on (primary_key) primary_key, operation, seq from audit_log
                      where schema_name = ? and table_name = ? order by primary_key, seq desc) l
                where l.operation <> 'DELETE' and not exists (select 1 from %s where %s = l.primary_key)"""
                .formatted(from, pk))) {
            gone.setString(1, schema);
            gone.setString(2, table);
            try (ResultSet rs = gone.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(2)) {
                        if (explained.size() < MAX_ROW_PROBLEMS) {
                            explained.add(new RowProblem(qualified, rs.getString(1), "deleted while changes were lost (GAP)"));
                        }
                    } else if (problems.size() < MAX_ROW_PROBLEMS) {
                        problems.add(new RowProblem(qualified, rs.getString(1), "the row is gone but its DELETE is not in the log"));
                    }
                }
            }
        }
        return rows;
    }

    private static List<String> primaryKeyColumns(Connection c, String qualified) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select a.attname from pg_index i
                join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                where i.indrelid = to_regclass(?) and i.indisprimary
                order by array_position(i.indkey::int2[], a.attnum)""")) {
            ps.setString(1, qualified);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    private static String rowProblem(String operation, String change, String rowJson) {
        if (operation == null) {
            return "no entry in the audit log";
        }
        if (operation.equals("DELETE")) {
            return "the row exists but its newest entry is a DELETE";
        }
        JsonNode after = CanonicalChange.parse(change).path("after");
        JsonNode row = CanonicalChange.parse(rowJson);
        if (!after.isObject()) {
            return "its newest entry has no after image";
        }
        for (Map.Entry<String, JsonNode> column : row.properties()) {
            JsonNode logged = after.get(column.getKey());
            if (logged == null || !sameValue(logged, column.getValue())) {
                return "the newest entry (" + operation + ") differs from the row in column " + column.getKey()
                        + ": a later change is missing";
            }
        }
        return null;
    }

    /**
     * Compares a value as Debezium rendered it (decimals and temporals as strings, jsonb as its text) with the
     * same value as {@code to_jsonb} renders it.
     */
    static boolean sameValue(JsonNode logged, JsonNode live) {
        if (logged.equals(live) || (logged.isString() && UNAVAILABLE.equals(logged.asString()))) {
            return true;
        }
        if (logged.isNull() || live.isNull()) {
            return false;
        }
        if (live.isNumber()) {
            try {
                return new BigDecimal(logged.isString() ? logged.asString() : logged.toString())
                        .compareTo(live.decimalValue()) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (live.isContainer() && logged.isString()) {
            try {
                return CanonicalChange.parse(logged.asString()).equals(live);
            } catch (JacksonException e) {
                return false;
            }
        }
        if (live.isString() && logged.isString()) {
            try {
                return OffsetDateTime.parse(logged.asString()).toInstant()
                        .equals(OffsetDateTime.parse(live.asString()).toInstant());
            } catch (DateTimeParseException e) {
                return false;
            }
        }
        return false;
    }
}
