package org.agentplatform.ingest.keys;

import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What the key endpoints read besides the keys themselves ({@link ApiKeys}). */
@Component
class KeyQueries {

    private final JdbcClient jdbc;

    KeyQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Whether the ledger worker has registered {@code agentId}. */
    boolean isRegistered(UUID agentId) {
        return jdbc.sql("select exists (select 1 from agents where id = ?)").param(agentId).query(Boolean.class).single();
    }
}
