package org.agentplatform.ingest.claims;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.reads.ReadSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Claims as the ledger worker last committed them, with their status history. */
@Component
class ClaimQueries {

    private final ReadSource reads;
    private final JsonMapper json;

    ClaimQueries(ReadSource reads, JsonMapper json) {
        this.reads = reads;
        this.json = json;
    }

    /** The claim and its history, read on one connection: a history that belongs to the status shown. */
    Optional<ClaimView> find(UUID claimId) {
        return reads.query(jdbc -> jdbc.sql("""
                select claimant_id, subject, statement, evidence::text, stake, quorum, status, verifications, disputes,
                       created_at, updated_at
                from claims where id = ?""")
                .param(claimId)
                .query((rs, n) -> new ClaimView(claimId, rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        json.readTree(rs.getString(4)), rs.getLong(5), rs.getInt(6), rs.getString(7), rs.getInt(8), rs.getInt(9),
                        rs.getObject(10, OffsetDateTime.class).toInstant(), rs.getObject(11, OffsetDateTime.class).toInstant(),
                        List.of()))
                .optional()
                .map(claim -> claim.withHistory(history(jdbc, claimId))));
    }

    private static List<StatusChange> history(JdbcClient jdbc, UUID claimId) {
        return jdbc.sql("select status, command_id, changed_at from claim_status_history where claim_id = ? order by changed_at")
                .param(claimId)
                .query((rs, n) -> new StatusChange(rs.getString(1), rs.getObject(2, UUID.class),
                        rs.getObject(3, OffsetDateTime.class).toInstant()))
                .list();
    }

    record ClaimView(UUID claimId, UUID claimantId, String subject, String statement, JsonNode evidence, long stake,
                     int quorum, String status, int verifications, int disputes, Instant createdAt, Instant updatedAt,
                     List<StatusChange> history) {

        ClaimView withHistory(List<StatusChange> history) {
            return new ClaimView(claimId, claimantId, subject, statement, evidence, stake, quorum, status, verifications,
                    disputes, createdAt, updatedAt, history);
        }
    }

    record StatusChange(String status, UUID commandId, Instant changedAt) {
    }
}
