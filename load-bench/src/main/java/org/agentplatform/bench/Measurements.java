package org.agentplatform.bench;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.Objects;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Per-step figures read back from PostgreSQL after the run has drained, so that commands sent late in a step
 * still count with their full latency. processed_at is the timestamp the worker writes in the transaction of the
 * effect (taken just before it commits), so publish-to-processed_at is publish-to-commit minus the commit itself.
 */
final class Measurements {

    private final JdbcTemplate jdbc;

    Measurements(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    double appliedPerSecond(Instant from, Instant to) {
        long n = Objects.requireNonNull(jdbc.queryForObject(
                "select count(*) from processed_commands where processed_at >= ? and processed_at < ?",
                Long.class, Timestamp.from(from), Timestamp.from(to)), "count");
        return n / seconds(from, to);
    }

    /** Kafka-sent commands scheduled in [from, to): their ids are a key range (see {@link TimedIds}). */
    Latency kafkaEndToEnd(Instant from, Instant to) {
        List<Double> ms = jdbc.queryForList("select extract(epoch from processed_at) * 1000 - " + TimedIds.SENT_MILLIS_SQL
                        + " from processed_commands where command_id >= ?::uuid and command_id < ?::uuid", Double.class,
                TimedIds.lowerBound(TimedIds.micros(from)).toString(), TimedIds.lowerBound(TimedIds.micros(to)).toString());
        return Latency.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
    }

    long kafkaScheduledApplied(Instant from, Instant to) {
        return Objects.requireNonNull(jdbc.queryForObject(
                "select count(*) from processed_commands where command_id >= ?::uuid and command_id < ?::uuid",
                Long.class, TimedIds.lowerBound(TimedIds.micros(from)).toString(),
                TimedIds.lowerBound(TimedIds.micros(to)).toString()), "count");
    }

    /** HTTP-sent commands scheduled in [from, to): from the scheduled send, through the ingest service, to commit. */
    Latency httpEndToEnd(List<IngestClient.Accepted> all, Instant from, Instant to) {
        long lo = TimedIds.micros(from);
        long hi = TimedIds.micros(to);
        Map<UUID, Long> sent = new HashMap<>();
        all.stream().filter(a -> a.scheduledMicros() >= lo && a.scheduledMicros() < hi)
                .forEach(a -> sent.put(a.commandId(), a.scheduledMicros()));
        List<Double> ms = new ArrayList<>();
        List<UUID> ids = new ArrayList<>(sent.keySet());
        for (int i = 0; i < ids.size(); i += 5000) {
            UUID[] chunk = ids.subList(i, Math.min(ids.size(), i + 5000)).toArray(UUID[]::new);
            jdbc.query("select command_id, extract(epoch from processed_at) * 1000 from processed_commands where command_id = any(?)",
                    rs -> {
                        // the ids queried are sent's keys
                        long scheduled = Objects.requireNonNull(sent.get(rs.getObject(1, UUID.class)), "sent");
                        ms.add(rs.getDouble(2) - scheduled / 1000.0);
                    }, (Object) chunk);
        }
        return Latency.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Commit of a change to its row in the audit log, for changes committed in [from, to). */
    Latency audit(Instant from, Instant to) {
        List<Double> ms = jdbc.queryForList("select extract(epoch from (recorded_at - commit_time)) * 1000 from audit_log"
                + " where commit_time >= ? and commit_time < ?", Double.class, Timestamp.from(from), Timestamp.from(to));
        return Latency.of(ms.stream().mapToDouble(Double::doubleValue).toArray());
    }

    Map<String, Long> outcomes(Instant since) {
        Map<String, Long> result = new HashMap<>();
        jdbc.query("select outcome || coalesce(': ' || reason, ''), count(*) from processed_commands where processed_at >= ? group by 1",
                rs -> {
                    result.put(rs.getString(1), rs.getLong(2));
                }, Timestamp.from(since));
        return result;
    }

    static double seconds(Instant from, Instant to) {
        return Math.max(1e-3, (to.toEpochMilli() - from.toEpochMilli()) / 1000.0);
    }
}
