package org.agentplatform.audit.log;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The row cross-check: every current row of the audited tables against the newest log entry for its primary key
 * (present, not a DELETE, and its {@code after} equal to the row, values compared as Debezium renders them), and
 * every key whose newest entry is not a DELETE against the table (the row must still exist, unless it was deleted
 * while changes were lost: its newest entry precedes a GAP). It compares with the live tables, so a problem of the
 * very latest changes may only mean "not logged yet".
 */
final class RowCrossCheck {

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*");
    private static final String UNAVAILABLE = "__debezium_unavailable_value";
    private static final int MAX_ROW_PROBLEMS = 100;

    private final List<String> auditedTables;

    RowCrossCheck(List<String> auditedTables) {
        this.auditedTables = List.copyOf(auditedTables);
        auditedTables.forEach(t -> {
            if (!TABLE_NAME.matcher(t).matches()) {
                throw new IllegalArgumentException("audited table must be schema.table: " + t);
            }
        });
    }

    /** A row of an audited table whose latest state is not what the log says. */
    record RowProblem(String table, String primaryKey, String problem) {
    }

    /**
     * @param rowsChecked    live rows cross-checked
     * @param problems       at most {@value #MAX_ROW_PROBLEMS}
     * @param explainedByGap rows deleted while changes were lost: the log cannot prove their deletion, and says why;
     *                       not a failure
     */
    record Result(long rowsChecked, List<RowProblem> problems, List<RowProblem> explainedByGap) {
    }

    /** In the caller's transaction, which needs no auto-commit: the rows are read with a cursor. */
    Result check(Connection c) throws SQLException {
        List<RowProblem> problems = new ArrayList<>();
        List<RowProblem> explained = new ArrayList<>();
        long rows = 0;
        for (String table : auditedTables) {
            rows += crossCheck(c, table, problems, explained);
        }
        return new Result(rows, List.copyOf(problems), List.copyOf(explained));
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

    private static @Nullable String rowProblem(@Nullable String operation, String change, String rowJson) {
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
            if (logged == null && column.getValue().isNull()) {
                // a column added (expand) after this entry was logged, and never set for the row since
                continue;
            }
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
