package org.agentplatform.audit.log;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Proves the audit log with its two checks, in one read-only snapshot: the {@link ChainWalk} reports the first
 * broken link of the hash chain, the {@link RowCrossCheck} the live rows whose latest state the log does not
 * hold. Run it while the pipeline has caught up (or read row problems of the very latest changes as "not yet
 * logged").
 */
class AuditLogVerifier {

    private final JdbcTemplate jdbc;
    private final RowCrossCheck rows;

    AuditLogVerifier(JdbcTemplate jdbc, List<String> auditedTables) {
        this.jdbc = jdbc;
        this.rows = new RowCrossCheck(auditedTables);
    }

    /**
     * @param entries        entries walked (up to and including a broken one)
     * @param rowsChecked    live rows cross-checked
     * @param explainedByGap rows deleted while changes were lost: their newest entry precedes a GAP marker, so
     *                       the log cannot prove their deletion, and says why; not a failure
     */
    record Report(boolean chainIntact, long entries, ChainWalk.@Nullable BrokenLink firstBrokenLink, long rowsChecked,
                  List<RowCrossCheck.RowProblem> rowProblems, List<RowCrossCheck.RowProblem> explainedByGap) {

        boolean ok() {
            return chainIntact && rowProblems.isEmpty();
        }

        String describe() {
            StringBuilder s = new StringBuilder();
            s.append(firstBrokenLink == null ? "chain intact: " + entries + " entries"
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
                ChainWalk.Result chain = ChainWalk.walk(c);
                RowCrossCheck.Result live = rows.check(c);
                c.commit();
                return new Report(chain.broken() == null, chain.entries(), chain.broken(), live.rowsChecked(),
                        live.problems(), live.explainedByGap());
            } finally {
                c.rollback();
                c.setAutoCommit(autoCommit);
            }
        });
    }
}
