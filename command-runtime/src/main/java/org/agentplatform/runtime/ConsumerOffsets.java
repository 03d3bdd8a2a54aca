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
 * neither repeats nor loses an effect.
 *
 * <p>Every batch transaction first locks its partitions' rows and checks that the batch starts exactly at the
 * stored position ({@link #lockAndCheck}). A batch that does not (a consumer left at Kafka's committed offset
 * because assignment failed, a zombie instance that lost the partition, a rebalance protocol that hands a
 * partition over mid-flight) applies nothing and the consumer is put back: no gap, no repeat.
 */
class ConsumerOffsets {

    private final JdbcTemplate jdbc;

    ConsumerOffsets(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    Map<TopicPartition, Long> load(String groupId, Collection<TopicPartition> partitions) {
        return select(groupId, partitions, false);
    }

    /**
     * Locks the positions of the batch's partitions until the transaction ends and checks that the batch
     * starts at them ({@code first}: the lowest offset per partition in the batch). A partition without a
     * stored position (a new group) starts wherever the consumer is.
     *
     * @throws PositionMismatch naming the stored positions of the partitions that do not match
     */
    void lockAndCheck(String groupId, Map<TopicPartition, Long> first) {
        lockAndCheck(groupId, first, Map.of());
    }

    /**
     * As {@link #lockAndCheck(String, Map)}; {@code gaps}: for a partition the consumer was put at a stored
     * position that it then read past without a record (transaction markers of a transactional producer,
     * aborted or compacted records), that position also matches.
     */
    void lockAndCheck(String groupId, Map<TopicPartition, Long> first, Map<TopicPartition, Long> gaps) {
        Map<TopicPartition, Long> stored = select(groupId, first.keySet(), true);
        Map<TopicPartition, Long> wrong = new HashMap<>();
        stored.forEach((tp, next) -> {
            if (!next.equals(first.get(tp)) && !next.equals(gaps.get(tp))) {
                wrong.put(tp, next);
            }
        });
        if (!wrong.isEmpty()) {
            Map<TopicPartition, Long> got = new HashMap<>();
            wrong.keySet().forEach(tp -> got.put(tp, first.get(tp)));
            throw new PositionMismatch(wrong, got);
        }
    }

    private Map<TopicPartition, Long> select(String groupId, Collection<TopicPartition> partitions, boolean lock) {
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
                where o.group_id = ?
                order by o.topic, o.partition""" + (lock ? " for update of o" : ""),
                rs -> {
                    positions.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                },
                topics.toArray(String[]::new), numbers.toArray(Integer[]::new), groupId);
        return positions;
    }

    void save(String groupId, Map<TopicPartition, Long> nextOffsets, Instant at) {
        write(groupId, nextOffsets, at, """
                do update set next_offset = excluded.next_offset, updated_at = excluded.updated_at
                    where consumer_offsets.next_offset < excluded.next_offset""");
    }

    /**
     * Moves a position where the records it names no longer exist (either way: past deleted records, or
     * back to the start of a recreated log).
     */
    void moveTo(String groupId, TopicPartition tp, long next, Instant at) {
        write(groupId, Map.of(tp, next), at,
                "do update set next_offset = excluded.next_offset, updated_at = excluded.updated_at");
    }

    /**
     * Gives every assigned partition a stored position (where the consumer starts, for a partition this group
     * never applied), so that every batch is checked against one and none can start past unapplied records.
     */
    void createMissing(String groupId, Map<TopicPartition, Long> positions, Instant at) {
        write(groupId, positions, at, "do nothing");
    }

    private void write(String groupId, Map<TopicPartition, Long> positions, Instant at, String onConflict) {
        if (positions.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        List<Map.Entry<TopicPartition, Long>> rows = new ArrayList<>(positions.entrySet());
        jdbc.batchUpdate("""
                insert into consumer_offsets (group_id, topic, partition, next_offset, updated_at)
                values (?, ?, ?, ?, ?) on conflict (group_id, topic, partition) """ + onConflict,
                rows, rows.size(), (ps, row) -> {
                    ps.setString(1, groupId);
                    ps.setString(2, row.getKey().topic());
                    ps.setInt(3, row.getKey().partition());
                    ps.setLong(4, row.getValue());
                    ps.setTimestamp(5, ts);
                });
    }

    /** A batch that does not start where the stored positions say. */
    static final class PositionMismatch extends RuntimeException {

        private final transient Map<TopicPartition, Long> stored;

        PositionMismatch(Map<TopicPartition, Long> stored, Map<TopicPartition, Long> batchStart) {
            super("Batch starts at " + batchStart + " but the stored positions are " + stored);
            this.stored = Map.copyOf(stored);
        }

        Map<TopicPartition, Long> stored() {
            return stored;
        }
    }
}
