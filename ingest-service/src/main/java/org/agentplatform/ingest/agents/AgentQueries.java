package org.agentplatform.ingest.agents;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.reads.ReadSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Agents as the ledger worker registered them. */
@Component
class AgentQueries {

    private final ReadSource reads;

    AgentQueries(ReadSource reads) {
        this.reads = reads;
    }

    Optional<AgentView> find(UUID agentId) {
        return reads.query(jdbc -> jdbc.sql("select name, status, created_at from agents where id = ?")
                .param(agentId)
                .query((rs, n) -> new AgentView(agentId, rs.getString(1), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class).toInstant()))
                .optional());
    }

    record AgentView(UUID agentId, String name, String status, Instant createdAt) {
    }
}
