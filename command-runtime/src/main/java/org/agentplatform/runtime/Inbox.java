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

    /** {@code actor}: the command's issuer, who (with the admin) may read its outcome. */
    record Entry(UUID commandId, String commandType, String fingerprint, String outcome, String reason, String detail,
                 String actor, String topic, int partition, long offset) {
    }
}
