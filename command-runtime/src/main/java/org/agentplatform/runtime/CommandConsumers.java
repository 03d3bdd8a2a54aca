package org.agentplatform.runtime;

import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.listener.BatchConsumerAwareMessageListener;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.transaction.support.TransactionOperations;
import org.springframework.util.backoff.ExponentialBackOff;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * Builds the Kafka listener container of a worker around its {@link CommandHandler}: batch listener, one
 * database transaction per batch, positions restored from PostgreSQL on assignment, transient failures
 * retried with capped exponential backoff, unreadable records dead-lettered. Every worker uses this one
 * piece instead of its own consumer code.
 */
public final class CommandConsumers {

    private static final Logger log = LoggerFactory.getLogger(CommandConsumers.class);

    private final RuntimeProperties properties;
    private final ConsumerGroupSettings group;
    private final KafkaProperties kafka;
    private final JdbcTemplate jdbc;
    private final TransactionOperations tx;
    private final MessageCodec codec;
    private final Outbox outbox;
    private final DeadLetters deadLetters;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Topics topics;
    private final String groupId;
    private final List<ConcurrentMessageListenerContainer<String, byte[]>> containers = new CopyOnWriteArrayList<>();
    /** Per container, its membership: which of its consumers have received an assignment (joined the group). */
    private final Map<ConcurrentMessageListenerContainer<String, byte[]>, GroupMembership> joined = new ConcurrentHashMap<>();

    CommandConsumers(RuntimeProperties properties, ConsumerGroupSettings group, KafkaProperties kafka, JdbcTemplate jdbc,
                     TransactionOperations tx, MessageCodec codec, Outbox outbox, DeadLetters deadLetters,
                     Topics topics, MeterRegistry meters, Clock clock) {
        if (properties.groupId() == null || properties.groupId().isBlank()) {
            throw new IllegalStateException("platform.consumer.group-id must be set");
        }
        this.properties = properties;
        this.group = group;
        this.kafka = kafka;
        this.jdbc = jdbc;
        this.tx = tx;
        this.codec = codec;
        this.outbox = outbox;
        this.deadLetters = deadLetters;
        this.meters = meters;
        this.clock = clock;
        this.topics = topics;
        // Systems sharing a broker under a topic prefix must not share consumer groups either.
        this.groupId = topics.prefix() + properties.groupId();
    }

    /** The containers built so far, for health reporting. */
    List<ConcurrentMessageListenerContainer<String, byte[]>> containers() {
        return List.copyOf(containers);
    }

    /**
     * Whether every consumer thread of the container has joined its group (received an assignment, which may be
     * empty when the group has more members than partitions): before that the instance applies nothing.
     */
    boolean joinedGroup(ConcurrentMessageListenerContainer<String, byte[]> container) {
        GroupMembership membership = joined.get(container);
        return membership != null && membership.joined(container.getConcurrency());
    }

    /** A container (a Spring lifecycle bean once returned from a {@code @Bean} method) for the given topics. */
    public <C extends Command> ConcurrentMessageListenerContainer<String, byte[]> container(
            Collection<String> topics, CommandHandler<C> handler) {
        ConsumerOffsets offsets = new ConsumerOffsets(jdbc);
        CommandBatchProcessor<C> processor = new CommandBatchProcessor<>(groupId, handler, codec, this.topics, new Inbox(jdbc), outbox, offsets, deadLetters, tx,
                new CommandMetrics(meters, groupId), clock);

        Map<String, Object> config = new HashMap<>(kafka.buildConsumerProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, properties.maxPollRecords());
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // what a transactional producer aborted (a dead-letter replay's slice that did not commit) was never sent
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // cooperative rebalancing among them: safe because every batch checks that it starts at the stored position
        group.applyTo(config);
        var consumerFactory = new DefaultKafkaConsumerFactory<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        // Kafka's own client metrics (records-lag-max, fetch rates) for the operator's lag dashboard.
        consumerFactory.addListener(new MicrometerConsumerListener<>(meters));

        String beanName = groupId + "-commands";
        ContainerProperties containerProperties = new ContainerProperties(topics.toArray(String[]::new));
        containerProperties.setGroupId(groupId);
        // Kafka's committed offsets only feed lag monitoring; PostgreSQL holds the positions that count.
        containerProperties.setAckMode(ContainerProperties.AckMode.BATCH);
        // a consumer-aware container always passes its consumer
        containerProperties.setMessageListener((BatchConsumerAwareMessageListener<String, byte[]>) (records, consumer) ->
                processor.process(records, Objects.requireNonNull(consumer, "consumer")));
        GroupMembership membership = new GroupMembership(groupId) {
            @Override
            public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                processor.forget(partitions);
                super.onPartitionsRevokedAfterCommit(consumer, partitions);
            }

            @Override
            public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                processor.forget(partitions);
                super.onPartitionsLost(consumer, partitions);
            }

            @Override
            public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
                super.onPartitionsAssigned(consumer, partitions);
                // where the consumer starts is only known once the stored positions are read and sought to
                processor.forget(partitions);
                // Never throws: a consumer left at Kafka's committed offset is put right by the position check
                // of its first batch, whereas an exception here would leave the assignment half done.
                try {
                    Map<TopicPartition, Long> stored = offsets.load(groupId, partitions);
                    stored.forEach((tp, offset) -> {
                        consumer.seek(tp, offset);
                        processor.seeked(tp, offset);
                    });
                    Map<TopicPartition, Long> fresh = new HashMap<>();
                    partitions.stream().filter(tp -> !stored.containsKey(tp)).forEach(tp -> fresh.put(tp, consumer.position(tp)));
                    offsets.createMissing(groupId, fresh, clock.instant());
                    log.info("Resuming {} from stored positions {}{}", partitions, stored,
                            fresh.isEmpty() ? "" : ", new positions " + fresh);
                } catch (RuntimeException e) {
                    log.warn("Assigned {}; stored positions could not be read ({}): the first batch of each partition "
                            + "checks its position and seeks", partitions, e.toString());
                }
            }
        };
        containerProperties.setConsumerRebalanceListener(membership);

        var container = new ConcurrentMessageListenerContainer<>(consumerFactory, containerProperties);
        container.setConcurrency(properties.concurrency());
        ExponentialBackOff backOff = new ExponentialBackOff(properties.retryBackoff().toMillis(), 2.0);
        backOff.setMaxInterval(properties.maxRetryBackoff().toMillis());
        container.setCommonErrorHandler(new DefaultErrorHandler(backOff));
        container.setBeanName(beanName);
        joined.put(container, membership);
        containers.add(container);
        return container;
    }
}
