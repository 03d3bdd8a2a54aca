package org.agentplatform.ingest.deadletters;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The replay requests, one row each in {@code dead_letter_replays} (audited: every insert and update is in the
 * hash-chained audit log). A runner claims one with a lease it renews; another instance takes over a lease that
 * was not renewed within {@code stale-after}.
 */
@Component
public class Replays {

    /** A replay's consumer group (its committed position) is this and the replay's id: one group per request. */
    public static final String GROUP_PREFIX = "dead-letter-replay-";

    public enum Status {
        REQUESTED, RUNNING, DONE, FAILED
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Replay(UUID id, String requestedBy, Instant requestedAt, String topic, DeadLetterFilter filter, int maxReplays,
                  Status status, Map<Integer, Long> endOffsets, long replayed, long quarantined, long skipped,
                  @Nullable String runner, @Nullable Instant finishedAt, @Nullable String error) {
    }

    private static final String COLUMNS = """
            id, requested_by, requested_at, topic, filter::text, max_replays, status, end_offsets::text, replayed,
            quarantined, skipped, runner, finished_at, error""";

    private final JdbcClient jdbc;
    private final JsonMapper json = JsonMapper.builder().build();

    Replays(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Replay create(String requestedBy, Instant at, String topic, DeadLetterFilter filter, int maxReplays, Map<Integer, Long> ends) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                insert into dead_letter_replays (id, requested_by, requested_at, topic, filter, max_replays, status,
                                                 end_offsets)
                values (?, ?, ?, ?, ?::jsonb, ?, 'REQUESTED', ?::jsonb)""")
                .params(id, requestedBy, at.atOffset(ZoneOffset.UTC), topic, json.writeValueAsString(filter), maxReplays,
                        json.writeValueAsString(ends))
                .update();
        return find(id).orElseThrow();
    }

    Optional<Replay> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from dead_letter_replays where id = ?").param(id).query(mapper()).optional();
    }

    /** The newest first. */
    List<Replay> recent(int limit) {
        return jdbc.sql("select " + COLUMNS + " from dead_letter_replays order by requested_at desc, id limit ?")
                .param(limit).query(mapper()).list();
    }

    /**
     * The replay this runner runs (the oldest), or else claims the oldest that is waiting or whose runner's lease
     * ran out before {@code staleBefore}: it is then this runner's, with a lease from now. A replay already this
     * runner's is read, not written: its lease is renewed by {@link #progress}, so that the audited row changes
     * when something happens, not every pass.
     */
    Optional<Replay> claim(String runner, Instant now, Instant staleBefore) {
        Optional<Replay> mine = jdbc.sql("select " + COLUMNS + """
                 from dead_letter_replays where status = 'RUNNING' and runner = ?
                order by requested_at, id limit 1""").param(runner).query(mapper()).optional();
        if (mine.isPresent()) {
            return mine;
        }
        return jdbc.sql("""
                update dead_letter_replays set status = 'RUNNING', runner = :runner, heartbeat_at = :now
                where id = (select id from dead_letter_replays
                            where status = 'REQUESTED' or status = 'RUNNING' and heartbeat_at < :stale
                            order by requested_at, id limit 1 for update skip locked)
                returning\s""" + COLUMNS)
                .param("runner", runner).param("now", now.atOffset(ZoneOffset.UTC))
                .param("stale", staleBefore.atOffset(ZoneOffset.UTC)).query(mapper()).optional();
    }

    /**
     * The counts so far (as the replay's committed Kafka positions say), and the end when {@code done}; only while
     * the replay is still this runner's. The row is written when the counts change, at the end, or to renew a lease
     * older than {@code renewBefore}. Returns whether the replay is still this runner's.
     */
    boolean progress(UUID id, String runner, Instant now, Instant renewBefore, Counts counts, boolean done) {
        int written = jdbc.sql("""
                update dead_letter_replays set replayed = ?, quarantined = ?, skipped = ?, heartbeat_at = ?,
                    status = case when ? then 'DONE' else status end, finished_at = case when ? then ? end
                where id = ? and status = 'RUNNING' and runner = ?
                  and (? or heartbeat_at < ? or (replayed, quarantined, skipped) <> (?, ?, ?))""")
                .params(counts.replayed(), counts.quarantined(), counts.skipped(), now.atOffset(ZoneOffset.UTC), done,
                        done, now.atOffset(ZoneOffset.UTC), id, runner, done, renewBefore.atOffset(ZoneOffset.UTC),
                        counts.replayed(), counts.quarantined(), counts.skipped())
                .update();
        return written == 1 || jdbc.sql("select count(*) from dead_letter_replays where id = ? and status = 'RUNNING' and runner = ?")
                .params(id, runner).query(Long.class).single() == 1;
    }

    void fail(UUID id, String runner, Instant now, String error) {
        jdbc.sql("""
                update dead_letter_replays set status = 'FAILED', finished_at = ?, error = ?
                where id = ? and status = 'RUNNING' and runner = ?""")
                .params(now.atOffset(ZoneOffset.UTC), error.length() > 2000 ? error.substring(0, 2000) : error, id, runner)
                .update();
    }

    /** Records replayed, quarantined and passed over (not matching the filter). */
    record Counts(long replayed, long quarantined, long skipped) {

        static final Counts NONE = new Counts(0, 0, 0);

        Counts plus(Counts other) {
            return new Counts(replayed + other.replayed, quarantined + other.quarantined, skipped + other.skipped);
        }

        /** As committed with a partition's position: {@code r,q,s}. */
        String encode() {
            return replayed + "," + quarantined + "," + skipped;
        }

        /** Only this class writes the metadata; anything else (none, or written by hand) counts as nothing yet. */
        static Counts decode(@Nullable String metadata) {
            String[] parts = metadata == null ? new String[0] : metadata.split(",");
            try {
                return parts.length == 3
                        ? new Counts(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2])) : NONE;
            } catch (NumberFormatException e) {
                return NONE;
            }
        }
    }

    private RowMapper<Replay> mapper() {
        return (rs, n) -> {
            Map<Integer, Long> ends = new TreeMap<>();
            ((ObjectNode) json.readTree(rs.getString(8))).properties()
                    .forEach(e -> ends.put(Integer.parseInt(e.getKey()), e.getValue().asLong()));
            JsonNode filter = json.readTree(rs.getString(5));
            return new Replay(rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(),
                    rs.getString(4), json.treeToValue(filter, DeadLetterFilter.class), rs.getInt(6), Status.valueOf(rs.getString(7)),
                    ends, rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getString(12),
                    rs.getObject(13, OffsetDateTime.class) == null ? null : rs.getObject(13, OffsetDateTime.class).toInstant(),
                    rs.getString(14));
        };
    }
}
