package org.agentplatform.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer-group lag as Kafka sees it: end offset minus committed offset, summed over the partitions of the
 * command topics (the workers' backlog) and of {@code audit.changes} (the audit log's backlog). The workers keep
 * their authoritative position in PostgreSQL and commit it to Kafka after each batch as well, so Kafka's figure
 * may trail by one batch.
 */
final class ConsumerLag implements AutoCloseable {

    record Lag(long commands, long auditChanges) {
        static final Lag UNKNOWN = new Lag(-1, -1);
    }

    private final Admin admin;

    ConsumerLag(String bootstrap) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000));
    }

    Lag read() {
        try {
            Map<TopicPartition, Long> committed = new HashMap<>();
            for (ConsumerGroupListing group : admin.listConsumerGroups().all().get(5, TimeUnit.SECONDS)) {
                Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group.groupId())
                        .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
                offsets.forEach((tp, om) -> {
                    if (om != null && counted(tp.topic())) {
                        committed.merge(tp, om.offset(), Long::sum);
                    }
                });
            }
            if (committed.isEmpty()) {
                return new Lag(0, 0);
            }
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                    .get(5, TimeUnit.SECONDS);
            long commands = 0;
            long audit = 0;
            for (Map.Entry<TopicPartition, Long> e : committed.entrySet()) {
                // listOffsets answers for every partition asked, or its future fails
                long end = Objects.requireNonNull(ends.get(e.getKey()), "end offset").offset();
                long lag = Math.max(0, end - e.getValue());
                if (e.getKey().topic().startsWith("commands.")) {
                    commands += lag;
                } else {
                    audit += lag;
                }
            }
            return new Lag(commands, audit);
        } catch (ExecutionException | TimeoutException e) {
            return Lag.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Lag.UNKNOWN;
        }
    }

    /** The system's command topics (not the naive baseline's, not dead letters) and the audit stream. */
    private static boolean counted(String topic) {
        return (topic.startsWith("commands.") && !topic.endsWith(".dlt")) || topic.equals("audit.changes");
    }

    @Override
    public void close() {
        admin.close();
    }
}
