package org.agentplatform.runtime;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What the runtime's tables say about its consumers, for operators' views: commands applied over time (the inbox)
 * and every group's positions (which the workers commit to PostgreSQL with their effects, not to Kafka). Read-only,
 * so that no other module writes SQL on the runtime's tables.
 */
public final class RuntimeActivity {

    private final JdbcTemplate jdbc;

    public RuntimeActivity(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Applied commands per bucket, the oldest bucket first, the last one ending at {@code now}. It reads the inbox
     * by its processing time, which no index covers: a scan, meant for a view refreshed every few seconds on a
     * pruned inbox, not for a hot path.
     */
    public long[] appliedPerBucket(Instant now, Duration bucket, int buckets) {
        long[] counts = new long[buckets];
        OffsetDateTime end = now.atOffset(ZoneOffset.UTC);
        OffsetDateTime start = now.minus(bucket.multipliedBy(buckets)).atOffset(ZoneOffset.UTC);
        jdbc.query("""
                select floor(extract(epoch from (? - processed_at)) * 1000 / ?)::int, count(*) from processed_commands
                where outcome = 'APPLIED' and processed_at > ? and processed_at <= ? group by 1""", rs -> {
            int age = rs.getInt(1);
            if (age >= 0 && age < buckets) {
                counts[buckets - 1 - age] = rs.getLong(2);
            }
        }, end, bucket.toMillis(), start, end);
        return counts;
    }

    /** Every consumer group's stored position per partition: the next offset it will read. */
    public List<Position> positions() {
        return jdbc.query("select group_id, topic, partition, next_offset from consumer_offsets order by 1, 2, 3",
                (rs, n) -> new Position(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getLong(4)));
    }

    public record Position(String group, String topic, int partition, long nextOffset) {
    }
}
