package org.agentplatform.jobs.lifecycle;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.Transition.History;
import org.agentplatform.jobs.lifecycle.Transition.LeaseEnded;
import org.agentplatform.jobs.lifecycle.Transition.LeaseStarted;
import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobStatus;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import tools.jackson.databind.JsonNode;

/**
 * Set-based SQL for a batch: one statement per kind of change, whatever the batch size.
 *
 * <p>Locking: command batches lock the jobs they name in id order and wait; lease requests and the rescuer
 * take rows with {@code skip locked} and never wait. A transaction therefore waits only before it holds
 * skip-locked rows, so no cycle of waits (deadlock) can form.
 */
@Repository
class JobRepository {

    private static final String COLUMNS = """
            id, submitter_id, priority, max_attempts, lease_timeout_ms, spec::text, price, status, attempts, run_at,
            lease_expires_at, fencing_token, lessee, result::text, last_error, escrow_status, payee""";

    private final JdbcTemplate jdbc;
    private final MessageCodec codec;

    JobRepository(JdbcTemplate jdbc, MessageCodec codec) {
        this.jdbc = jdbc;
        this.codec = codec;
    }

    /** Locks the named jobs in id order (waits for other holders). */
    List<Job> lock(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.query("select " + COLUMNS + " from jobs where id = any(?) order by id for update",
                this::job, (Object) ids.toArray(UUID[]::new));
    }

    /**
     * The status (ACTIVE or SUSPENDED) of each named agent that has a ledger account; agents without one are
     * missing from the map.
     *
     * <p>A read dependency on the ledger worker's tables ({@code agents}, {@code accounts}), which live in the
     * same database: the ledger owns and writes them, the job worker only reads them, unlocked (locking them would
     * make lease requests wait on ledger batches). A suspension committed while a lease is granted takes effect
     * from the next lease request on.
     */
    Map<UUID, String> agentStatuses(Collection<UUID> ids) {
        Map<UUID, String> statuses = new HashMap<>();
        if (ids.isEmpty()) {
            return statuses;
        }
        jdbc.query("select g.id, g.status from agents g join accounts a on a.agent_id = g.id where g.id = any(?)",
                rs -> {
                    statuses.put(rs.getObject(1, UUID.class), rs.getString(2));
                },
                (Object) ids.toArray(UUID[]::new));
        return statuses;
    }

    /** Up to {@code limit} runnable jobs in lease order, skipping those another transaction holds. */
    List<Job> lockRunnable(Instant now, int limit) {
        return jdbc.query("select " + COLUMNS + """
                 from jobs where status = 'QUEUED' and run_at <= ?
                order by priority desc, run_at, id limit ? for update skip locked""",
                this::job, Timestamp.from(now), limit);
    }

    /** Up to {@code limit} jobs whose lease expired, skipping those another instance or a command batch holds. */
    List<Job> lockExpired(Instant now, int limit) {
        return jdbc.query("select " + COLUMNS + """
                 from jobs where status = 'LEASED' and lease_expires_at <= ?
                order by lease_expires_at limit ? for update skip locked""",
                this::job, Timestamp.from(now), limit);
    }

    void insert(List<Job> jobs, Instant at) {
        if (jobs.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                    lease_expires_at, fencing_token, lessee, spec, result, last_error, price, created_at, updated_at,
                    escrow_status, escrow_pending_id, payee)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?, ?, ?)""",
                jobs, jobs.size(), (ps, j) -> {
                    ps.setObject(1, j.id());
                    ps.setObject(2, j.submitterId());
                    ps.setString(3, j.status().name());
                    ps.setInt(4, j.priority());
                    ps.setInt(5, j.attempts());
                    ps.setInt(6, j.maxAttempts());
                    ps.setLong(7, j.leaseTimeout().toMillis());
                    ps.setTimestamp(8, Timestamp.from(j.runAt()));
                    ps.setTimestamp(9, j.leaseExpiresAt() == null ? null : Timestamp.from(j.leaseExpiresAt()));
                    ps.setLong(10, j.fencingToken());
                    ps.setObject(11, j.lessee(), Types.OTHER);
                    ps.setString(12, json(j.spec()));
                    ps.setString(13, json(j.result()));
                    ps.setString(14, j.lastError());
                    ps.setObject(15, j.price(), Types.BIGINT);
                    ps.setTimestamp(16, ts);
                    ps.setTimestamp(17, ts);
                    ps.setString(18, j.escrowStatus().name());
                    ps.setObject(19, j.price() == null ? null : EscrowStep.commandId(j.id(), EscrowStep.Kind.RESERVE), Types.OTHER);
                    ps.setObject(20, j.payee(), Types.OTHER);
                });
    }

    /** The mutable columns of every changed job, in one statement. */
    void update(List<Job> jobs, Instant at) {
        if (jobs.isEmpty()) {
            return;
        }
        jdbc.update("""
                update jobs j set status = v.status, attempts = v.attempts, run_at = v.run_at,
                    lease_expires_at = v.lease_expires_at, fencing_token = v.fencing_token, lessee = v.lessee,
                    result = v.result::jsonb, last_error = v.last_error, escrow_status = v.escrow_status, payee = v.payee,
                    updated_at = ?
                from unnest(?::uuid[], ?::text[], ?::int[], ?::timestamptz[], ?::timestamptz[], ?::bigint[], ?::uuid[],
                            ?::text[], ?::text[], ?::text[], ?::uuid[])
                    as v(id, status, attempts, run_at, lease_expires_at, fencing_token, lessee, result, last_error,
                         escrow_status, payee)
                where j.id = v.id""",
                Timestamp.from(at),
                jobs.stream().map(Job::id).toArray(UUID[]::new),
                jobs.stream().map(j -> j.status().name()).toArray(String[]::new),
                jobs.stream().map(Job::attempts).toArray(Integer[]::new),
                jobs.stream().map(j -> text(j.runAt())).toArray(String[]::new),
                jobs.stream().map(j -> text(j.leaseExpiresAt())).toArray(String[]::new),
                jobs.stream().map(Job::fencingToken).toArray(Long[]::new),
                jobs.stream().map(Job::lessee).toArray(UUID[]::new),
                jobs.stream().map(j -> json(j.result())).toArray(String[]::new),
                jobs.stream().map(Job::lastError).toArray(String[]::new),
                jobs.stream().map(j -> j.escrowStatus().name()).toArray(String[]::new),
                jobs.stream().map(Job::payee).toArray(UUID[]::new));
    }

    /** Escrow saga commands, to be published by the relay; a step already written is not written again. */
    void insertEscrowSteps(List<EscrowStep> steps, Instant at) {
        if (steps.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into job_saga_commands (id, job_id, step, topic_key, envelope, created_at)
                values (?, ?, ?, ?, ?::jsonb, ?) on conflict do nothing""",
                steps, steps.size(), (ps, s) -> {
                    ps.setObject(1, s.commandId());
                    ps.setObject(2, s.jobId());
                    ps.setString(3, s.step().name());
                    ps.setString(4, s.command().partitionKey());
                    ps.setString(5, codec.encodeToString(Envelope.of(s.commandId(), s.command(), "job-worker", at)));
                    ps.setTimestamp(6, ts);
                });
    }

    /** Every saga command of each of {@code jobIds}, oldest first: (command id, step) by job. */
    Map<UUID, List<Map.Entry<UUID, EscrowStep.Kind>>> sagaCommands(Collection<UUID> jobIds) {
        Map<UUID, List<Map.Entry<UUID, EscrowStep.Kind>>> byJob = new HashMap<>();
        if (jobIds.isEmpty()) {
            return byJob;
        }
        jdbc.query("select job_id, id, step from job_saga_commands where job_id = any(?) order by created_at, id",
                rs -> {
                    byJob.computeIfAbsent(rs.getObject(1, UUID.class), k -> new ArrayList<>())
                            .add(Map.entry(rs.getObject(2, UUID.class), EscrowStep.Kind.valueOf(rs.getString(3))));
                }, (Object) jobIds.toArray(UUID[]::new));
        return byJob;
    }

    /**
     * The ledger's record of each hold ({@code pendingIds}: the reservations' ids): pending, posted, or released
     * (voided or expired); absent when the ledger holds none. The ledger resolves a hold with one row naming it.
     */
    Map<UUID, Escrow.Hold> holds(Collection<UUID> pendingIds) {
        Map<UUID, Escrow.Hold> holds = new HashMap<>();
        if (pendingIds.isEmpty()) {
            return holds;
        }
        jdbc.query("""
                select p.id, r.status from transfers p left join transfers r on r.pending_id = p.id
                where p.id = any(?) and p.status = 'PENDING'""", rs -> {
                    String resolved = rs.getString(2);
                    holds.put(rs.getObject(1, UUID.class), resolved == null ? Escrow.Hold.PENDING
                            : "POSTED".equals(resolved) ? Escrow.Hold.POSTED : Escrow.Hold.RELEASED);
                }, (Object) pendingIds.toArray(UUID[]::new));
        return holds;
    }

    /**
     * Puts sent saga commands back in the relay's queue as if never sent (an admin's RETRY of a command that got no
     * outcome): sent again under the same id, resent and given up on like a new one. Its generation counts these
     * rounds, so that the events of each round's outcome have ids of their own.
     */
    void resendEscrowSteps(List<UUID> commandIds) {
        if (commandIds.isEmpty()) {
            return;
        }
        jdbc.update("""
                update job_saga_commands set sent_at = null, last_sent_at = null, attempts = 1, resolved_at = null,
                    outcome = null, reason = null, generation = generation + 1
                where id = any(?)""", (Object) commandIds.toArray(UUID[]::new));
    }

    /** Whether {@code executor} was granted the lease of {@code jobId} with {@code token} (committed leases). */
    boolean held(UUID jobId, long token, UUID executor) {
        return Boolean.TRUE.equals(jdbc.queryForObject("""
                select exists (select 1 from job_attempts where job_id = ? and fencing_token = ? and executor_id = ?)""",
                Boolean.class, jobId, token, executor));
    }

    void startLeases(List<LeaseStarted> leases) {
        if (leases.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("""
                insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at)
                values (?, ?, ?, ?, ?)""",
                leases, leases.size(), (ps, l) -> {
                    ps.setObject(1, l.jobId());
                    ps.setLong(2, l.fencingToken());
                    ps.setInt(3, l.attempt());
                    ps.setObject(4, l.executorId());
                    ps.setTimestamp(5, Timestamp.from(l.at()));
                });
    }

    /** Closes attempts; an attempt is closed once ({@code ended_at is null}), whatever happens. */
    void endLeases(List<LeaseEnded> ends) {
        if (ends.isEmpty()) {
            return;
        }
        jdbc.update("""
                update job_attempts a set ended_at = v.ended_at, outcome = v.outcome, error = v.error
                from unnest(?::uuid[], ?::bigint[], ?::timestamptz[], ?::text[], ?::text[])
                    as v(job_id, fencing_token, ended_at, outcome, error)
                where a.job_id = v.job_id and a.fencing_token = v.fencing_token and a.ended_at is null""",
                ends.stream().map(LeaseEnded::jobId).toArray(UUID[]::new),
                ends.stream().map(LeaseEnded::fencingToken).toArray(Long[]::new),
                ends.stream().map(e -> text(e.at())).toArray(String[]::new),
                ends.stream().map(LeaseEnded::outcome).toArray(String[]::new),
                ends.stream().map(LeaseEnded::error).toArray(String[]::new));
    }

    /** Appends history rows in the given order (their ids follow it). */
    void appendHistory(List<HistoryRow> rows, Instant at) {
        if (rows.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into job_history (job_id, kind, status, attempt, fencing_token, executor_id, command_id, run_at,
                    detail, at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows, rows.size(), (ps, r) -> {
                    History h = r.history();
                    ps.setObject(1, h.jobId());
                    ps.setString(2, h.kind());
                    ps.setString(3, h.status().name());
                    ps.setInt(4, h.attempt());
                    ps.setLong(5, h.fencingToken());
                    ps.setObject(6, h.executorId(), Types.OTHER);
                    ps.setObject(7, r.commandId(), Types.OTHER);
                    ps.setTimestamp(8, h.runAt() == null ? null : Timestamp.from(h.runAt()));
                    ps.setString(9, h.detail());
                    ps.setTimestamp(10, ts);
                });
    }

    /** A history row with the command that caused it (null for the rescuer). */
    record HistoryRow(History history, @Nullable UUID commandId) {
    }

    private Job job(ResultSet rs, int row) throws SQLException {
        Timestamp leaseExpires = rs.getTimestamp(11);
        long price = rs.getLong(7);
        Long priceOrNull = rs.wasNull() ? null : price;
        JsonNode spec = Objects.requireNonNull(parse(rs.getString(6)), "jobs.spec is NOT NULL");
        return new Job(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getInt(3), rs.getInt(4),
                Duration.ofMillis(rs.getLong(5)), spec, priceOrNull,
                JobStatus.valueOf(rs.getString(8)), rs.getInt(9), rs.getTimestamp(10).toInstant(),
                leaseExpires == null ? null : leaseExpires.toInstant(), rs.getLong(12), rs.getObject(13, UUID.class),
                parse(rs.getString(14)), rs.getString(15), EscrowStatus.valueOf(rs.getString(16)),
                rs.getObject(17, UUID.class), false);
    }

    private @Nullable JsonNode parse(@Nullable String json) {
        return json == null ? null : codec.mapper().readTree(json);
    }

    private @Nullable String json(@Nullable JsonNode node) {
        return node == null ? null : codec.mapper().writeValueAsString(node);
    }

    private static @Nullable String text(@Nullable Instant instant) {
        return instant == null ? null : instant.toString();
    }
}
