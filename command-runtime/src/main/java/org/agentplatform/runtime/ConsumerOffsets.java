package org.agentplatform.runtime;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.TopicPartition;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Consumer positions kept in PostgreSQL, committed in the transaction of the effect. They are the source
 * of truth on partition assignment: a crash between the database commit and Kafka's offset commit then
 * neither repeats nor loses an effect. Positions only move forward, so a zombie instance that lost the
 * partition cannot move it back.
 */
class ConsumerOffsets {

    private final JdbcTemplate jdbc;

    ConsumerOffsets(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Map<TopicPartition, Long> load(String groupId, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        if (partitions.isEmpty()) {
            return positions;
        }
        List<String> topics = new ArrayList<>();
        List<Integer> numbers = new ArrayList<>();
        partitions.forEach(tp -> {
            topics.add(tp.topic());
            numbers.add(tp.partition());
        });
        jdbc.query("""
                select o.topic, o.partition, o.next_offset
                from consumer_offsets o
                join unnest(?::text[], ?::int[]) as p(topic, partition) using (topic, partition)
                where o.group_id = ?""",
                rs -> {
                    positions.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                },
                topics.toArray(String[]::new), numbers.toArray(Integer[]::new), groupId);
        return positions;
    }

    void save(String groupId, Map<TopicPartition, Long> nextOffsets, Instant at) {
        if (nextOffsets.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        List<Map.Entry<TopicPartition, Long>> rows = new ArrayList<>(nextOffsets.entrySet());
        jdbc.batchUpdate("""
                insert into consumer_offsets (group_id, topic, partition, next_offset, updated_at)
                values (?, ?, ?, ?, ?)
                on conflict (group_id, topic, partition) do update
                    set next_offset = excluded.next_offset, updated_at = excluded.updated_at
                    where consumer_offsets.next_offset < excluded.next_offset""",
                rows, rows.size(), (ps, row) -> {
                    ps.setString(1, groupId);
                    ps.setString(2, row.getKey().topic());
                    ps.setInt(3, row.getKey().partition());
                    ps.setLong(4, row.getValue());
                    ps.setTimestamp(5, ts);
                });
    }
}
