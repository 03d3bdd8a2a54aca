package org.agentplatform.ingest.karma;

/** The account reads' statements, for the scale benchmark's plans (the same text the endpoints run). */
public final class KarmaReadSql {

    public static final String FLOW = AccountQueries.FLOW;

    private KarmaReadSql() {
    }
}
