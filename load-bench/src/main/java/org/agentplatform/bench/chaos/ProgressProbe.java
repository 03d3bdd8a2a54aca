package org.agentplatform.bench.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Watches progress from outside, four times a second: each consumer group's stored position per partition (the
 * workers keep it in {@code consumer_offsets}, committed with the effect), the log-end offset of each command
 * topic partition (the work there is to do), and the audit log's newest entry. A partition is stalled in a sample
 * when it has work and its position did not move since the previous sample; samples taken while PostgreSQL or
 * the broker is down hold what could not be read as absent.
 */
final class ProgressProbe implements AutoCloseable {

    /** One group's partition: {@code group} is the worker's consumer group. */
    record Slot(String group, TopicPartition partition) {
    }

    record Sample(long millis, @Nullable Map<Slot, Long> positions, @Nullable Map<TopicPartition, Long> ends,
                  @Nullable Long auditSeq) {
    }

    private static final Duration EVERY = Duration.ofMillis(250);

    private final Cluster cluster;
    private final Set<String> commandTopics;
    final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    ProgressProbe(Cluster cluster, Set<String> commandTopics) {
        this.cluster = cluster;
        this.commandTopics = commandTopics;
        this.thread = new Thread(this::loop, "chaos-probe");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        KafkaConsumer<byte[], byte[]> consumer = null;
        while (running) {
            long t0 = System.currentTimeMillis();
            Map<Slot, Long> positions = null;
            Long auditSeq = null;
            DataSource ds = cluster.postgres().dataSource(Cluster.DATABASE);
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.setQueryTimeout(2);
                positions = new HashMap<>();
                try (ResultSet rs = s.executeQuery("select group_id, topic, partition, next_offset from consumer_offsets")) {
                    while (rs.next()) {
                        positions.put(new Slot(rs.getString(1), new TopicPartition(rs.getString(2), rs.getInt(3))), rs.getLong(4));
                    }
                }
                try (ResultSet rs = s.executeQuery("select coalesce(max(seq), 0) from audit_log")) {
                    rs.next();
                    auditSeq = rs.getLong(1);
                }
            } catch (SQLException | RuntimeException e) {
                // PostgreSQL down or restarting: nothing known in this sample
            }
            Map<TopicPartition, Long> ends = null;
            try {
                if (consumer == null) {
                    consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                            ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000, ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000),
                            new ByteArrayDeserializer(), new ByteArrayDeserializer());
                }
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : commandTopics) {
                    for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(2))) {
                        partitions.add(new TopicPartition(topic, p.partition()));
                    }
                }
                ends = consumer.endOffsets(partitions, Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                // broker down or restarting
                if (consumer != null) {
                    consumer.close(Duration.ZERO);
                    consumer = null;
                }
            }
            samples.add(new Sample(t0, positions, ends, auditSeq));
            long rest = EVERY.toMillis() - (System.currentTimeMillis() - t0);
            if (rest > 0) {
                try {
                    Thread.sleep(rest);
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        if (consumer != null) {
            consumer.close(Duration.ZERO);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}
