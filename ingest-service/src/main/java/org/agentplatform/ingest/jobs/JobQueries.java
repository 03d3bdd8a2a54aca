package org.agentplatform.ingest.jobs;

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

/** Jobs as the job worker last committed them. Who may see which is the controller's to decide. */
@Component
public class JobQueries {

    /** :executor's attempts, counted and timed (also what the scale benchmark explains). */
    static final String EXECUTOR_STATISTICS = """
            select count(*), count(*) filter (where outcome = 'SUCCEEDED'), count(*) filter (where outcome = 'FAILED'),
                   count(*) filter (where outcome = 'EXPIRED'), count(*) filter (where outcome = 'CANCELLED'),
                   count(*) filter (where outcome is null),
                   percentile_cont(0.5) within group (order by extract(epoch from ended_at - leased_at))
                       filter (where outcome = 'SUCCEEDED'),
                   percentile_cont(0.99) within group (order by extract(epoch from ended_at - leased_at))
                       filter (where outcome = 'SUCCEEDED')
            from job_attempts where executor_id = :executor""";

    private final JdbcClient jdbc;
    private final ReadSource reads;
    private final JsonMapper json;

    JobQueries(JdbcClient jdbc, ReadSource reads, JsonMapper json) {
        this.jdbc = jdbc;
        this.reads = reads;
        this.json = json;
    }

    /** The jobs {@code executor} holds a lease on, soonest to expire first. */
    List<LeaseView> leasesOf(UUID executor) {
        return reads.query(jdbc -> jdbc.sql("""
                select id, fencing_token, attempts, lease_expires_at, spec::text from jobs
                where status = 'LEASED' and lessee = ? order by lease_expires_at, id""")
                .param(executor)
                .query((rs, n) -> new LeaseView(rs.getObject(1, UUID.class), rs.getLong(2), rs.getInt(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant(), json.readTree(rs.getString(5))))
                .list());
    }

    /** On the primary: it decides whether a write (a cancellation) is allowed. */
    Optional<UUID> submitterOf(UUID jobId) {
        return jdbc.sql("select submitter_id from jobs where id = ?").param(jobId).query(UUID.class).optional();
    }

    public Optional<JobView> find(UUID jobId) {
        return reads.query(jdbc -> jdbc.sql("""
                select submitter_id, status, priority, attempts, max_attempts, fencing_token, lessee, lease_expires_at,
                       run_at, spec::text, result::text, last_error, price, escrow_status, created_at, updated_at
                from jobs where id = ?""")
                .param(jobId)
                .query((rs, n) -> new JobView(jobId, rs.getObject(1, UUID.class), rs.getString(2), rs.getInt(3), rs.getInt(4),
                        rs.getInt(5), rs.getLong(6), rs.getObject(7, UUID.class), instant(rs.getObject(8, OffsetDateTime.class)),
                        instant(rs.getObject(9, OffsetDateTime.class)), json.readTree(rs.getString(10)),
                        rs.getString(11) == null ? null : json.readTree(rs.getString(11)), rs.getString(12),
                        (Long) rs.getObject(13), rs.getString(14), rs.getObject(15, OffsetDateTime.class).toInstant(),
                        rs.getObject(16, OffsetDateTime.class).toInstant()))
                .optional());
    }

    /**
     * What {@code executor}'s attempts came to: counts by outcome, the success rate of the ended ones (cancelled
     * ones aside) and the run time of its successes, from {@code job_attempts_executor_idx}.
     */
    ExecutorStatistics statisticsOf(UUID executor) {
        return reads.query(jdbc -> jdbc.sql(EXECUTOR_STATISTICS)
                .param("executor", executor)
                .query((rs, n) -> {
                    long succeeded = rs.getLong(2);
                    long ended = succeeded + rs.getLong(3) + rs.getLong(4);
                    return new ExecutorStatistics(executor, rs.getLong(1), succeeded, rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6), ended == 0 ? null : (double) succeeded / ended,
                            (Double) rs.getObject(7), (Double) rs.getObject(8));
                })
                .single());
    }

    /** {@code successRate}: succeeded of succeeded, failed and expired; run times in seconds, of the successes. */
    record ExecutorStatistics(UUID executorId, long attempts, long succeeded, long failed, long expired, long cancelled,
                              long running, @Nullable Double successRate, @Nullable Double runSecondsP50,
                              @Nullable Double runSecondsP99) {
    }

    private static @Nullable Instant instant(@Nullable OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    record LeaseView(UUID jobId, long fencingToken, int attempt, Instant leaseExpiresAt, JsonNode spec) {
    }

    public record JobView(UUID jobId, UUID submitterId, String status, int priority, int attempts, int maxAttempts,
                   long fencingToken, @Nullable UUID lessee, @Nullable Instant leaseExpiresAt, @Nullable Instant runAt,
                   JsonNode spec, @Nullable JsonNode result, @Nullable String lastError, @Nullable Long price,
                   String escrowStatus, Instant createdAt, Instant updatedAt) {
    }
}
