package org.agentplatform.ingest.claims;

/** The claim reads' statements, for the scale benchmark's plans (the same text the endpoints run). */
public final class ClaimReadSql {

    public static final String SUBJECT_STATISTICS = ClaimQueries.SUBJECT_STATISTICS;

    private ClaimReadSql() {
    }
}
