package org.agentplatform.ledger.karma;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.runtime.CommandOutcomes;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

/**
 * The parked posts and voids ({@code parked_resolutions}). Lock order, with the ledger's: pending transfers,
 * then parked rows, then accounts. The sweeper takes parked rows and their pending transfers with
 * {@code skip locked}, so it waits for accounts only, which every transaction locks last.
 */
@Repository
class ParkedResolutionRepository {

    private static final String COLUMNS = """
            d.command_id, d.pending_id, d.kind, d.actor, d.schema_version, d.occurred_at, d.correlation_id,
            d.causation_id, d.deadline, d.created_at""";

    private static final RowMapper<ParkedResolution> PARKED = (rs, n) -> new ParkedResolution(
            rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), ParkedResolution.Kind.valueOf(rs.getString(3)),
            rs.getString(4), rs.getInt(5), rs.getObject(6, OffsetDateTime.class).toInstant(), rs.getObject(7, UUID.class),
            rs.getObject(8, UUID.class), rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant());

    private final JdbcTemplate jdbc;
    private final CommandOutcomes outcomes;

    ParkedResolutionRepository(JdbcTemplate jdbc, CommandOutcomes outcomes) {
        this.jdbc = jdbc;
        this.outcomes = outcomes;
    }

    /** Locks the resolutions parked for these pending ids, in arrival order (the first one wins). */
    List<ParkedResolution> lockFor(Collection<UUID> pendingIds) {
        if (pendingIds.isEmpty()) {
            return List.of();
        }
        return jdbc.query("select " + COLUMNS + """
                 from parked_resolutions d where d.pending_id = any(?)
                order by d.pending_id, d.seq for update""",
                PARKED, (Object) pendingIds.toArray(UUID[]::new));
    }

    /**
     * Locks, skipping rows another transaction holds, up to {@code limit} parked resolutions that can be decided
     * now: the deadline passed, or a transfer or a handled command has their pending id (a reservation that
     * committed while they were being parked, in another transaction that could not see them yet, or one that was
     * refused). Cost grows with the parked rows, which the deadline bounds. Which pending ids are handled commands
     * is asked of the runtime before the lock; one handled in between is decided by the next sweep.
     */
    List<ParkedResolution> lockDecidable(Instant now, int limit) {
        List<UUID> parkedFor = jdbc.queryForList("select distinct pending_id from parked_resolutions", UUID.class);
        UUID[] handled = outcomes.find(parkedFor).keySet().toArray(UUID[]::new);
        return jdbc.query("select " + COLUMNS + """
                 from parked_resolutions d
                where d.deadline <= ?
                   or exists (select 1 from transfers t where t.id = d.pending_id)
                   or d.pending_id = any(?)
                order by d.seq limit ? for update of d skip locked""",
                PARKED, Timestamp.from(now), handled, limit);
    }

    /**
     * Of these post/void targets, found as no open reservation, those that no reservation can still become: a
     * transfer that is not a reservation has the id, or a command with that id was refused. (Not a handled command
     * in general: a reservation that committed a moment ago is handled and PENDING; parking it is safe, the sweeper
     * then applies it, while refusing it would be wrong.)
     */
    Set<UUID> neverReservations(Collection<UUID> ids) {
        Set<UUID> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        jdbc.query("select id from transfers where id = any(?) and status <> 'PENDING'", rs -> {
            found.add(rs.getObject(1, UUID.class));
        }, (Object) ids.toArray(UUID[]::new));
        outcomes.find(ids).values().stream().filter(r -> r.status() == CommandOutcomes.Status.REJECTED)
                .forEach(r -> found.add(r.commandId()));
        return found;
    }

    /** Of these pending ids, those that resolutions are parked for (not locked). */
    Set<UUID> waitingFor(Collection<UUID> pendingIds) {
        Set<UUID> found = new HashSet<>();
        if (!pendingIds.isEmpty()) {
            jdbc.query("select distinct pending_id from parked_resolutions where pending_id = any(?)", rs -> {
                found.add(rs.getObject(1, UUID.class));
            }, (Object) pendingIds.toArray(UUID[]::new));
        }
        return found;
    }

    /**
     * Of these locked rows, those behind an earlier row for the same pending id that another transaction holds
     * (another sweep, or the reservation's transaction): they wait for it, so that the first one wins.
     */
    Set<UUID> behindOthers(Collection<ParkedResolution> locked) {
        Set<UUID> found = new HashSet<>();
        if (!locked.isEmpty()) {
            UUID[] ids = locked.stream().map(ParkedResolution::commandId).toArray(UUID[]::new);
            jdbc.query("""
                    select d.command_id from parked_resolutions d
                    where d.command_id = any(?) and exists (select 1 from parked_resolutions e
                        where e.pending_id = d.pending_id and e.seq < d.seq and e.command_id <> all(?))""", rs -> {
                found.add(rs.getObject(1, UUID.class));
            }, ids, ids);
        }
        return found;
    }

    /** The status of the transfer rows with these ids (not locked). */
    Map<UUID, String> transferStatuses(Collection<UUID> ids) {
        Map<UUID, String> found = new HashMap<>();
        if (!ids.isEmpty()) {
            jdbc.query("select id, status from transfers where id = any(?)", rs -> {
                found.put(rs.getObject(1, UUID.class), rs.getString(2));
            }, (Object) ids.toArray(UUID[]::new));
        }
        return found;
    }

    /** In arrival order: the rows are numbered as inserted. */
    void insert(List<ParkedResolution> parked) {
        if (parked.isEmpty()) {
            return;
        }
        jdbc.batchUpdate("""
                insert into parked_resolutions (command_id, pending_id, kind, actor, schema_version, occurred_at,
                    correlation_id, causation_id, deadline, created_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                parked, parked.size(), (ps, p) -> {
                    ps.setObject(1, p.commandId());
                    ps.setObject(2, p.pendingId());
                    ps.setString(3, p.kind().name());
                    ps.setString(4, p.actor());
                    ps.setInt(5, p.schemaVersion());
                    // as an offset date-time: a Timestamp is rendered in the JVM's zone (see LedgerRepository.insertTransfers)
                    ps.setObject(6, OffsetDateTime.ofInstant(p.occurredAt(), ZoneOffset.UTC));
                    ps.setObject(7, p.correlationId());
                    ps.setObject(8, p.causationId(), Types.OTHER);
                    ps.setTimestamp(9, Timestamp.from(p.deadline()));
                    ps.setTimestamp(10, Timestamp.from(p.createdAt()));
                });
    }

    /** Deletes decided rows; all of them must still be there (they are locked by this transaction). */
    void delete(Collection<UUID> commandIds) {
        if (commandIds.isEmpty()) {
            return;
        }
        int deleted = jdbc.update("delete from parked_resolutions where command_id = any(?)",
                (Object) commandIds.toArray(UUID[]::new));
        if (deleted != commandIds.size()) {
            throw new IllegalStateException("deleted " + deleted + " of " + commandIds.size() + " parked resolutions");
        }
    }
}
