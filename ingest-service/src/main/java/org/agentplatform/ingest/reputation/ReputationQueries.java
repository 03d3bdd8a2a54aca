package org.agentplatform.ingest.reputation;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.reads.ReadSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reputation as the ledger's roll-up last recorded it (V14: it trails the facts by a pass), scored at a given time:
 * {@code reputation_score} and the decay factor are the database's own functions, so the formula is written once
 * (V13).
 */
@Component
class ReputationQueries {

    /** The decay of every input from its weight (anchored at 2026-01-01) to its contribution at :at. */
    private static final String FACTOR =
            "power(2::numeric, -(extract(epoch from :at::timestamptz - timestamptz '2026-01-01 00:00:00+00') / 7776000)::numeric)";

    /** An agent's inputs by kind, with what they add at :at (also what the scale benchmark explains). */
    static final String BREAKDOWN = "select kind, count(*), sum(points), round(sum(weight) * " + FACTOR + ", 6)"
            + " from reputation_inputs where agent_id = :agent group by kind order by kind";

    /** An agent's newest :limit inputs (also what the scale benchmark explains). */
    static final String RECENT = "select id, kind, points, at, round(weight * " + FACTOR + ", 6), detail"
            + " from reputation_inputs where agent_id = :agent order by at desc, id limit :limit";

    private final ReadSource reads;

    ReputationQueries(ReadSource reads) {
        this.reads = reads;
    }

    /**
     * Empty if no such agent; an agent without inputs has the newcomer's 50. All of it is one snapshot (a read is
     * one transaction), so the score and the breakdown agree even while a roll-up commits.
     */
    Optional<Reputation> of(UUID agentId, Instant at, int recent) {
        Timestamp asOf = Timestamp.from(at);
        return reads.query(jdbc -> jdbc.sql("select exists (select 1 from agents where id = :agent)")
                .param("agent", agentId).query(Boolean.class).optional().filter(Boolean::booleanValue)
                .map(exists -> new Reputation(agentId, score(jdbc, agentId, asOf), at,
                        breakdown(jdbc, agentId, asOf), recent == 0 ? List.of() : recent(jdbc, agentId, asOf, recent))));
    }

    private static BigDecimal score(JdbcClient jdbc, UUID agentId, Timestamp at) {
        return jdbc.sql("select reputation_score(coalesce((select weighted from reputations where agent_id = :agent), 0), :at)")
                .param("agent", agentId).param("at", at).query(BigDecimal.class).single();
    }

    private static List<KindTotal> breakdown(JdbcClient jdbc, UUID agentId, Timestamp at) {
        return jdbc.sql(BREAKDOWN)
                .param("agent", agentId).param("at", at)
                .query((rs, n) -> new KindTotal(rs.getString(1), rs.getLong(2), rs.getBigDecimal(3), rs.getBigDecimal(4)))
                .list();
    }

    private static List<Input> recent(JdbcClient jdbc, UUID agentId, Timestamp at, int limit) {
        return jdbc.sql(RECENT)
                .param("agent", agentId).param("at", at).param("limit", limit)
                .query((rs, n) -> new Input(rs.getString(1), rs.getString(2), rs.getBigDecimal(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getBigDecimal(5), rs.getString(6)))
                .list();
    }

    /**
     * One page of the leaderboard, highest first, after the cursor's (weighted, agent) if given: the keyset of
     * {@code reputations_rank_idx}, so any page costs the same. Only agents with a record are ranked.
     */
    List<Ranked> leaderboard(RankBy by, @Nullable Cursor after, Instant at, int limit) {
        Timestamp asOf = Timestamp.from(at);
        String sql = leaderboardSql(by, after != null);
        return reads.query(jdbc -> {
            JdbcClient.StatementSpec statement = jdbc.sql(sql).param("at", asOf).param("limit", limit);
            if (after != null) {
                // bigint against bigint: a numeric parameter would cast the column and lose the index
                statement = statement.param("key", by == RankBy.KARMA_EARNED ? (Object) after.key().longValueExact()
                        : after.key()).param("agent", after.agentId());
            }
            return statement.query((rs, n) -> new Ranked(rs.getObject(1, UUID.class), rs.getString(2),
                            rs.getBigDecimal(3), rs.getBigDecimal(4), rs.getLong(5), rs.getInt(6)))
                    .list();
        });
    }

    /**
     * A page of the leaderboard by {@code by}: a row comparison the index answers (scanned backwards), and no OR for
     * the first page, which would hide it from the planner (also what the scale benchmark explains).
     */
    static String leaderboardSql(RankBy by, boolean after) {
        String key = by.column;
        return "select r.agent_id, a.name, r." + key + ", reputation_score(r.weighted, :at), r.karma_earned, r.inputs"
                + " from reputations r join agents a on a.id = r.agent_id"
                + (after ? " where (r." + key + ", r.agent_id) < (:key, :agent)" : "")
                + " order by r." + key + " desc, r.agent_id desc limit :limit";
    }

    record Reputation(UUID agentId, BigDecimal score, Instant asOf, List<KindTotal> breakdown, List<Input> recentInputs) {
    }

    /** {@code contribution}: what the inputs of this kind add to the score at {@code asOf}, after decay. */
    record KindTotal(String kind, long inputs, BigDecimal points, BigDecimal contribution) {
    }

    record Input(String source, String kind, BigDecimal points, Instant at, BigDecimal contribution, String detail) {
    }

    /** {@code key}: what the board sorts by (the stored weighted sum, or the karma earned), for the next page. */
    record Ranked(UUID agentId, String name, BigDecimal key, BigDecimal score, long karmaEarned, int inputs) {
    }

    /** Where a leaderboard page ends: the last row's sort key. */
    record Cursor(BigDecimal key, UUID agentId) {
    }

    /** What a leaderboard ranks by, and its indexed column. */
    enum RankBy {
        SCORE("weighted"), KARMA_EARNED("karma_earned");

        private final String column;

        RankBy(String column) {
            this.column = column;
        }
    }
}
