package org.agentplatform.runtime;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The inbox of handled command ids with their outcome. Written in the batch transaction, so a command
 * is applied once however often Kafka delivers it.
 */
class Inbox {

    private final JdbcTemplate jdbc;

    Inbox(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Fingerprints of the given command ids that were already handled. */
    Map<UUID, String> fingerprintsOf(List<UUID> commandIds) {
        Map<UUID, String> found = new HashMap<>();
        if (commandIds.isEmpty()) {
            return found;
        }
        jdbc.query("select command_id, fingerprint from processed_commands where command_id = any(?)",
                rs -> {
                    found.put(rs.getObject(1, UUID.class), rs.getString(2));
                },
                (Object) commandIds.toArray(UUID[]::new));
        return found;
    }

    void record(List<Entry> entries, Instant at) {
        if (entries.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into processed_commands
                    (command_id, command_type, fingerprint, outcome, reason, detail, actor, topic, partition, kafka_offset,
                     processed_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                entries, entries.size(), (ps, e) -> {
                    ps.setObject(1, e.commandId());
                    ps.setString(2, e.commandType());
                    ps.setString(3, e.fingerprint());
                    ps.setString(4, e.outcome());
                    ps.setString(5, e.reason());
                    ps.setString(6, e.detail());
                    ps.setString(7, e.actor());
                    ps.setString(8, e.topic());
                    ps.setInt(9, e.partition());
                    ps.setLong(10, e.offset());
                    ps.setTimestamp(11, ts);
                });
    }

    /**
     * Turns DEFERRED rows into their final outcome. Exactly once: a row that is not DEFERRED any more (already
     * decided by another transaction) fails the whole transaction instead of being decided twice.
     */
    void finish(List<Outcome.Finished> finished, Instant at) {
        if (finished.isEmpty()) {
            return;
        }
        int updated = jdbc.update("""
                update processed_commands p set outcome = v.outcome, reason = v.reason, detail = v.detail, processed_at = ?
                from unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) as v(id, outcome, reason, detail)
                where p.command_id = v.id and p.outcome = 'DEFERRED'""",
                Timestamp.from(at),
                finished.stream().map(f -> f.command().id()).toArray(UUID[]::new),
                finished.stream().map(f -> f.outcome() instanceof Outcome.Applied ? "APPLIED" : "REJECTED").toArray(String[]::new),
                finished.stream().map(f -> f.outcome() instanceof Outcome.Rejected r ? r.reason() : null).toArray(String[]::new),
                finished.stream().map(f -> f.outcome() instanceof Outcome.Rejected r ? r.detail() : null).toArray(String[]::new));
        if (updated != finished.size()) {
            throw new IllegalStateException("only " + updated + " of " + finished.size()
                    + " deferred commands were still DEFERRED: they were decided elsewhere");
        }
    }

    /** {@code actor}: the command's issuer, who (with the admin) may read its outcome. */
    record Entry(UUID commandId, String commandType, String fingerprint, String outcome, String reason, String detail,
                 String actor, String topic, int partition, long offset) {
    }
}
