package org.agentplatform.ingest.console;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.agentplatform.runtime.RuntimeActivity;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What the console reads from PostgreSQL beyond the features' own queries: rates, positions, lists, histories. */
@Component
class ConsoleQueries {

    /** The job states a cancel can still change. */
    static final List<String> CANCELLABLE = List.of("AWAITING_ESCROW", "QUEUED", "LEASED");
    static final List<String> JOB_STATES = List.of("AWAITING_ESCROW", "QUEUED", "LEASED", "SUCCEEDED", "FAILED", "DEAD",
            "CANCELLED", "REJECTED");

    private final JdbcClient jdbc;
    /** The runtime's own reads of its tables (inbox, positions), which are not the console's to query. */
    private final RuntimeActivity runtime;

    ConsoleQueries(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.runtime = new RuntimeActivity(template);
    }

    /** Applied commands per bucket, the oldest bucket first, the last one ending at {@code now}. */
    long[] appliedPerBucket(Instant now, Duration bucket, int buckets) {
        return runtime.appliedPerBucket(now, bucket, buckets);
    }

    /** The workers' consumer positions, which they commit to PostgreSQL with their effects (not to Kafka). */
    List<RuntimeActivity.Position> databasePositions() {
        return runtime.positions();
    }

    /**
     * @param lagBytes     WAL written but not yet confirmed by the slot's consumer (the CDC engine)
     * @param retainedBytes WAL the server keeps for the slot (from its restart point): what an idle or stuck
     *                     engine costs in disk
     */
    record Slot(String name, boolean active, @Nullable Long lagBytes, @Nullable Long retainedBytes) {

        public String lagShown() {
            return bytes(lagBytes);
        }

        public String retainedShown() {
            return bytes(retainedBytes);
        }

        /** Binary units, as PostgreSQL's pg_size_pretty counts them. */
        static String bytes(@Nullable Long bytes) {
            if (bytes == null) {
                return "–";
            }
            String[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
            double value = bytes;
            int unit = 0;
            while (Math.abs(value) >= 1024 && unit < units.length - 1) {
                value /= 1024;
                unit++;
            }
            return unit == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
        }
    }

    List<Slot> replicationSlots() {
        return jdbc.sql("""
                select slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint
                from pg_replication_slots order by slot_name""")
                .query((rs, n) -> new Slot(rs.getString(1), rs.getBoolean(2), (Long) rs.getObject(3), (Long) rs.getObject(4)))
                .list();
    }

    record JobRow(UUID id, UUID submitterId, String status, int priority, int attempts, int maxAttempts, long fencingToken,
                  @Nullable UUID lessee, Instant updatedAt) {
    }

    /** The most recently changed jobs in {@code state} (any state if null). */
    List<JobRow> jobs(@Nullable String state, int limit) {
        return jdbc.sql("""
                select id, submitter_id, status, priority, attempts, max_attempts, fencing_token, lessee, updated_at
                from jobs where (cast(? as text) is null or status = ?) order by updated_at desc, id limit ?""")
                .param(state).param(state).param(limit)
                .query((rs, n) -> new JobRow(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getInt(4), rs.getInt(5), rs.getInt(6), rs.getLong(7), rs.getObject(8, UUID.class),
                        rs.getObject(9, OffsetDateTime.class).toInstant()))
                .list();
    }

    record Count(String key, long count) {
    }

    List<Count> jobCounts() {
        return jdbc.sql("select status, count(*) from jobs group by status order by status")
                .query((rs, n) -> new Count(rs.getString(1), rs.getLong(2))).list();
    }

    /**
     * The next page of jobs in {@code states} by id, after {@code after}: a keyset, so that a bulk cancel visits every
     * job that matched once, although the cancellations it publishes change the jobs only later.
     */
    List<UUID> jobIdsAfter(List<String> states, @Nullable UUID after, int limit) {
        return jdbc.sql("""
                select id from jobs where status = any(?) and (cast(? as uuid) is null or id > ?) order by id limit ?""")
                .param(states.toArray(String[]::new)).param(after).param(after).param(limit)
                .query(UUID.class).list();
    }

    record Attempt(long fencingToken, int attempt, UUID executorId, Instant leasedAt, @Nullable Instant endedAt,
                   @Nullable String outcome, @Nullable String error) {
    }

    List<Attempt> attempts(UUID jobId) {
        return jdbc.sql("""
                select fencing_token, attempt, executor_id, leased_at, ended_at, outcome, error from job_attempts
                where job_id = ? order by fencing_token""")
                .param(jobId)
                .query((rs, n) -> new Attempt(rs.getLong(1), rs.getInt(2), rs.getObject(3, UUID.class),
                        rs.getObject(4, OffsetDateTime.class).toInstant(), instant(rs.getObject(5, OffsetDateTime.class)),
                        rs.getString(6), rs.getString(7)))
                .list();
    }

    record HistoryEntry(long id, String kind, String status, int attempt, long fencingToken, @Nullable UUID executorId,
                        @Nullable UUID commandId, @Nullable String detail, Instant at) {
    }

    List<HistoryEntry> history(UUID jobId) {
        return jdbc.sql("""
                select id, kind, status, attempt, fencing_token, executor_id, command_id, detail, at from job_history
                where job_id = ? order by id""")
                .param(jobId)
                .query((rs, n) -> new HistoryEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getLong(5), rs.getObject(6, UUID.class), rs.getObject(7, UUID.class), rs.getString(8),
                        rs.getObject(9, OffsetDateTime.class).toInstant()))
                .list();
    }

    record AgentRow(UUID id, String name, String status, Instant createdAt, List<String> activeKeys, long revokedKeys) {
    }

    /** Agents, the newest first, with the prefixes of their live keys (a key itself is never stored). */
    List<AgentRow> agents(int limit) {
        return jdbc.sql("""
                select a.id, a.name, a.status, a.created_at,
                       coalesce(array_agg(k.prefix order by k.created_at) filter (where k.id is not null and k.revoked_at is null),
                                '{}'),
                       count(k.id) filter (where k.revoked_at is not null)
                from agents a left join api_keys k on k.agent_id = a.id
                group by a.id order by a.created_at desc, a.id limit ?""")
                .param(limit)
                .query((rs, n) -> new AgentRow(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                        rs.getObject(4, OffsetDateTime.class).toInstant(),
                        List.of((String[]) rs.getArray(5).getArray()), rs.getLong(6)))
                .list();
    }

    record AuditEntry(long seq, String operation, Instant commitTime, String change) {
    }

    /**
     * One row's audit trail, its newest {@code limit} entries in chain order ({@code primaryKey} is the key columns
     * as a JSON object). The audited tables are in {@code public}; naming the schema lets the row index serve it.
     */
    List<AuditEntry> auditHistory(String table, String primaryKey, int limit) {
        List<AuditEntry> newest = new java.util.ArrayList<>(jdbc.sql("""
                select seq, operation, commit_time, change from audit_log
                where schema_name = 'public' and table_name = ? and primary_key = cast(? as jsonb)
                order by seq desc limit ?""")
                .params(table, primaryKey, limit)
                .query((rs, n) -> new AuditEntry(rs.getLong(1), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class).toInstant(), rs.getString(4)))
                .list());
        java.util.Collections.reverse(newest);
        return newest;
    }

    private static @Nullable Instant instant(@Nullable OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
