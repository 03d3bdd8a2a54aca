package org.agentplatform.ingest.reputation;

/** The reputation reads' statements, for the scale benchmark's plans (the same text the endpoints run). */
public final class ReputationReadSql {

    public static final String BREAKDOWN = ReputationQueries.BREAKDOWN;
    public static final String RECENT = ReputationQueries.RECENT;
    public static final String LEADERBOARD_NEXT_PAGE =
            ReputationQueries.leaderboardSql(ReputationQueries.RankBy.SCORE, true);
    public static final String EARNED_NEXT_PAGE =
            ReputationQueries.leaderboardSql(ReputationQueries.RankBy.KARMA_EARNED, true);

    private ReputationReadSql() {
    }
}
