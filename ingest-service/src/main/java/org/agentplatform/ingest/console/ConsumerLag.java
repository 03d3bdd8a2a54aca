package org.agentplatform.ingest.console;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.agentplatform.ingest.deadletters.Replays;
import org.agentplatform.runtime.RuntimeActivity;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

/**
 * Consumer lag per group: the end offsets of the topics a group reads minus the group's positions. The workers'
 * positions are in PostgreSQL (committed with their effects); groups that commit to Kafka (the audit log's consumer,
 * the replay runners) are read from Kafka. A group in both is shown once, from PostgreSQL.
 */
@Component
class ConsumerLag {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final KafkaProperties kafka;
    private final ConsoleQueries queries;

    ConsumerLag(KafkaProperties kafka, ConsoleQueries queries) {
        this.kafka = kafka;
        this.queries = queries;
    }

    /**
     * @param source where the positions come from (PostgreSQL or Kafka)
     * @param lag    records behind the end, summed over the group's partitions
     */
    record GroupLag(String group, String source, int partitions, long lag) {
    }

    List<GroupLag> groups() throws Exception {
        Map<String, Map<TopicPartition, Long>> positions = new TreeMap<>();
        Map<String, String> sources = new HashMap<>();
        for (RuntimeActivity.Position p : queries.databasePositions()) {
            positions.computeIfAbsent(p.group(), g -> new HashMap<>()).put(new TopicPartition(p.topic(), p.partition()),
                    p.nextOffset());
            sources.put(p.group(), "PostgreSQL");
        }
        Map<String, Object> settings = new HashMap<>(kafka.buildAdminProperties());
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        try (Admin admin = Admin.create(settings)) {
            var listed = admin.listGroups().all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            for (var group : listed) {
                // a replay's group stops at the end it was given: what came after is not its lag
                if (group.type().isPresent() && group.type().get() == GroupType.SHARE || positions.containsKey(group.groupId())
                        || group.groupId().startsWith(Replays.GROUP_PREFIX)) {
                    continue;
                }
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group.groupId())
                        .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                Map<TopicPartition, Long> offsets = new HashMap<>();
                committed.forEach((tp, o) -> {
                    if (o != null) {
                        offsets.put(tp, o.offset());
                    }
                });
                if (!offsets.isEmpty()) {
                    positions.put(group.groupId(), offsets);
                    sources.put(group.groupId(), "Kafka");
                }
            }
            Set<TopicPartition> all = new java.util.HashSet<>();
            positions.values().forEach(p -> all.addAll(p.keySet()));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            all.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = latest.isEmpty() ? Map.of()
                    : admin.listOffsets(latest).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<GroupLag> lags = new ArrayList<>();
            positions.forEach((group, offsets) -> {
                long lag = 0;
                for (var e : offsets.entrySet()) {
                    var end = ends.get(e.getKey());
                    lag += end == null ? 0 : Math.max(0, end.offset() - e.getValue());
                }
                lags.add(new GroupLag(group, Objects.requireNonNull(sources.get(group), "put with the positions"),
                        offsets.size(), lag));
            });
            return lags;
        }
    }
}
