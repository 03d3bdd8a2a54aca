package org.agentplatform.runtime;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the workers recorded for commands, read by id: the runtime's inbox as an API, so that sagas, the ingest
 * service and sweeps ask it instead of reading its table. Reads see what is committed, or what the caller's own
 * transaction wrote.
 */
public final class CommandOutcomes {

    /**
     * How a handled command ended, or that it is not decided yet: {@link #DEFERRED} (it waits for something) or
     * {@link #DEAD_LETTERED} (it could not be applied and waits for an operator's replay).
     */
    public enum Status {
        APPLIED, REJECTED, DEFERRED, DEAD_LETTERED
    }

    /** A handled command: its status, the reason and detail of a rejection or deferral, who issued it, when. */
    public record Recorded(UUID commandId, Status status, String reason, String detail, String actor,
                           Instant processedAt) {

        /** Applied or rejected: the outcome no redelivery, sweep or replay changes any more. */
        public boolean isFinal() {
            return status == Status.APPLIED || status == Status.REJECTED;
        }

        public boolean isApplied() {
            return status == Status.APPLIED;
        }
    }

    private final JdbcTemplate jdbc;

    public CommandOutcomes(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Recorded> find(UUID commandId) {
        return Optional.ofNullable(find(List.of(commandId)).get(commandId));
    }

    /**
     * Those of {@code commandIds} that only a new delivery can decide: never handled, or dead-lettered (a resend is
     * handled again). In the order given.
     */
    public List<UUID> unanswered(List<UUID> commandIds) {
        Map<UUID, Recorded> recorded = find(commandIds);
        return commandIds.stream()
                .filter(id -> !recorded.containsKey(id) || recorded.get(id).status() == Status.DEAD_LETTERED).toList();
    }

    /** The recorded ones among {@code commandIds}; an id never handled is absent. */
    public Map<UUID, Recorded> find(Collection<UUID> commandIds) {
        Map<UUID, Recorded> found = new HashMap<>();
        if (commandIds.isEmpty()) {
            return found;
        }
        jdbc.query("""
                select command_id, outcome, reason, detail, actor, processed_at
                from processed_commands where command_id = any(?)""", rs -> {
            UUID id = rs.getObject(1, UUID.class);
            found.put(id, new Recorded(id, Status.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4),
                    rs.getString(5), rs.getObject(6, OffsetDateTime.class).toInstant()));
        }, (Object) commandIds.toArray(UUID[]::new));
        return found;
    }
}
