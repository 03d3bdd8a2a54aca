package org.agentplatform.ingest.claims;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.reads.ReadSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Claims as the ledger worker last committed them, with their status history. */
@Component
class ClaimQueries {

    /** Claims about :subject, counted and timed (also what the scale benchmark explains). */
    static final String SUBJECT_STATISTICS = """
            select count(*), count(*) filter (where c.status = 'OPEN'), count(*) filter (where c.status = 'VERIFIED'),
                   count(*) filter (where c.status = 'REJECTED'),
                   percentile_cont(0.5) within group (order by extract(epoch from h.changed_at - c.created_at)),
                   percentile_cont(0.99) within group (order by extract(epoch from h.changed_at - c.created_at))
            from claims c
            left join claim_status_history h on h.claim_id = c.id and h.status in ('VERIFIED', 'REJECTED')
            where c.subject = :subject""";

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

    /**
     * Claims about {@code subject}: how many, how they settled, and how long settling took (from submission to the
     * VERIFIED or REJECTED), from {@code claims_subject_idx} and the claims' own status history.
     */
    SubjectStatistics statistics(String subject) {
        return reads.query(jdbc -> jdbc.sql(SUBJECT_STATISTICS)
                .param("subject", subject)
                .query((rs, n) -> {
                    long verified = rs.getLong(3);
                    long rejected = rs.getLong(4);
                    return new SubjectStatistics(subject, rs.getLong(1), rs.getLong(2), verified, rejected,
                            verified + rejected == 0 ? null : (double) verified / (verified + rejected),
                            (Double) rs.getObject(5), (Double) rs.getObject(6));
                })
                .single());
    }

    /** {@code verificationRate}: verified of settled (null before any settled); times in seconds (null likewise). */
    record SubjectStatistics(String subject, long claims, long open, long verified, long rejected,
                             @Nullable Double verificationRate, @Nullable Double settleSecondsP50,
                             @Nullable Double settleSecondsP99) {
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
