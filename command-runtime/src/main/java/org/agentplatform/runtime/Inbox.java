package org.agentplatform.runtime;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.messaging.MessageCodec;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The inbox of handled command ids with their outcome. Written in the batch transaction, so a command
 * is applied once however often Kafka delivers it.
 */
class Inbox {

    static final String DEAD_LETTERED = "DEAD_LETTERED";

    private final JdbcTemplate jdbc;

    Inbox(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The given command ids that were already handled: their fingerprint, and whether they were dead-lettered. */
    Map<UUID, Known> known(List<UUID> commandIds) {
        Map<UUID, Known> found = new HashMap<>();
        if (commandIds.isEmpty()) {
            return found;
        }
        jdbc.query("select command_id, fingerprint, outcome from processed_commands where command_id = any(?)",
                rs -> {
                    found.put(rs.getObject(1, UUID.class), new Known(rs.getString(2), DEAD_LETTERED.equals(rs.getString(3))));
                },
                (Object) commandIds.toArray(UUID[]::new));
        return found;
    }

    /**
     * Writes the outcomes of handled commands: new rows, or in place of a {@code DEAD_LETTERED} row for a command
     * handled again (exactly once: a row that is not DEAD_LETTERED any more fails the transaction).
     */
    void record(List<Entry> entries, Instant at) {
        if (entries.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        List<Entry> inserts = entries.stream().filter(e -> !e.replacesDeadLetter()).toList();
        List<Entry> replaces = entries.stream().filter(Entry::replacesDeadLetter).toList();
        if (!inserts.isEmpty()) {
            jdbc.batchUpdate("""
                    insert into processed_commands
                        (command_id, command_type, fingerprint, outcome, reason, detail, actor, topic, partition, kafka_offset,
                         processed_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    inserts, inserts.size(), (ps, e) -> bind(ps, e, ts));
        }
        if (!replaces.isEmpty()) {
            int[][] counts = jdbc.batchUpdate("""
                    update processed_commands set command_id = ?, command_type = ?, fingerprint = ?, outcome = ?, reason = ?,
                        detail = ?, actor = ?, topic = ?, partition = ?, kafka_offset = ?, processed_at = ?
                    where command_id = ? and outcome = 'DEAD_LETTERED'""",
                    replaces, replaces.size(), (ps, e) -> {
                        bind(ps, e, ts);
                        ps.setObject(12, e.commandId());
                    });
            for (int[] batch : counts) {
                for (int count : batch) {
                    if (count != 1) {
                        throw new IllegalStateException("a dead-lettered command handled again was decided elsewhere meanwhile");
                    }
                }
            }
        }
    }

    /**
     * Records a command that could not be read (only its id could) as {@code DEAD_LETTERED}; an id already handled
     * keeps its outcome and its issuer, unless that too was an unreadable dead letter, which the newer one replaces.
     */
    void recordUnreadable(List<Entry> entries, Instant at) {
        if (entries.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into processed_commands
                    (command_id, command_type, fingerprint, outcome, reason, detail, actor, topic, partition, kafka_offset,
                     processed_at)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (command_id) do update set command_type = excluded.command_type,
                    fingerprint = excluded.fingerprint, reason = excluded.reason, detail = excluded.detail,
                    actor = excluded.actor, topic = excluded.topic, partition = excluded.partition,
                    kafka_offset = excluded.kafka_offset, processed_at = excluded.processed_at
                where processed_commands.outcome = 'DEAD_LETTERED' and starts_with(processed_commands.fingerprint, ?)""",
                entries, entries.size(), (ps, e) -> {
                    bind(ps, e, ts);
                    ps.setString(12, MessageCodec.UNREADABLE);
                });
    }

    private static void bind(java.sql.PreparedStatement ps, Entry e, Timestamp ts) throws java.sql.SQLException {
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

    /**
     * {@code actor}: the command's issuer, who (with the admin) may read its outcome. {@code replacesDeadLetter}: the
     * command was recorded DEAD_LETTERED before and is handled again.
     */
    record Entry(UUID commandId, String commandType, String fingerprint, String outcome, @Nullable String reason,
                 @Nullable String detail, @Nullable String actor, String topic, int partition, long offset, boolean replacesDeadLetter) {
    }

    /** An id already handled: the fingerprint of its command and whether it was dead-lettered (not final). */
    record Known(String fingerprint, boolean deadLettered) {

        /**
         * Whether a delivery of the id with {@code fingerprint} is handled as new: only when the command was
         * dead-lettered, and only as the same command (or when its dead letter could not be read, so nothing says
         * what it was). Anything else is a duplicate, or a reuse of the id.
         */
        boolean handledAgainAs(String fingerprint) {
            return deadLettered && (this.fingerprint.startsWith(MessageCodec.UNREADABLE) || this.fingerprint.equals(fingerprint));
        }
    }
}
