package org.agentplatform.ingest.jobs;

/** The job reads' statements, for the scale benchmark's plans (the same text the endpoints run). */
public final class JobReadSql {

    public static final String EXECUTOR_STATISTICS = JobQueries.EXECUTOR_STATISTICS;

    private JobReadSql() {
    }
}
