package org.agentplatform.ingest.deadletters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

import tools.jackson.databind.json.JsonMapper;

/**
 * The dead-letter topics, read straight from Kafka (they are the record; nothing is copied): which there are and
 * how many records each holds, a filtered listing, one record. Each read uses a consumer of its own without a
 * group, so browsing moves no one's position.
 */
@Component
public class DeadLetterLog {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaProperties kafka;
    private final Topics topics;
    private final JsonMapper json;
    private final DeadLetterProperties properties;

    DeadLetterLog(KafkaProperties kafka, Topics topics, DeadLetterProperties properties) {
        this.kafka = kafka;
        this.topics = topics;
        this.json = JsonMapper.builder().build();
        this.properties = properties;
    }

    /** A dead-letter topic and how many records it holds now (retention may have removed older ones). */
    public record TopicSummary(String topic, String originalTopic, long records) {
    }

    /** {@code complete}: false when the listing stopped at the limit or at the scan cap before the end. */
    public record Listing(List<DeadLetter> deadLetters, long scanned, boolean complete) {
    }

    public List<TopicSummary> topics() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicSummary> out = new ArrayList<>();
            for (String topic : deadLetterTopics()) {
                List<TopicPartition> partitions = partitions(consumer, topic);
                Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, TIMEOUT);
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
                long records = partitions.stream().mapToLong(tp -> offset(end, tp) - offset(begin, tp)).sum();
                out.add(new TopicSummary(topic, topics.originalOf(topic), records));
            }
            return out;
        }
    }

    public boolean exists(String topic) {
        return topics.isDeadLetters(topic) && deadLetterTopics().contains(topic);
    }

    /**
     * Creates {@code topic} with the partitions of {@code like} if it does not exist (a quarantine topic before
     * its first record: the broker need not auto-create topics).
     */
    void ensureTopic(String topic, String like) {
        try (Admin admin = Admin.create(kafka.buildAdminProperties())) {
            if (admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
                return;
            }
            TopicDescription described = admin.describeTopics(List.of(like)).allTopicNames()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(like);
            // the future fails rather than leave out a topic it was asked to describe
            int partitions = Objects.requireNonNull(described, "no description of " + like).partitions().size();
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, java.util.Optional.of(partitions),
                    java.util.Optional.empty()))).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new Unavailable("could not create " + topic + ": " + e.getMessage(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while creating " + topic, e);
        } catch (TimeoutException e) {
            throw new Unavailable("could not create " + topic + ": " + e.getMessage(), e);
        }
    }

    /** The records of {@code topic} (all dead-letter topics if null) matching {@code filter}, at most {@code limit}. */
    public Listing list(@Nullable String topic, DeadLetterFilter filter, int limit) {
        List<String> names = topic != null ? List.of(topic) : deadLetterTopics();
        List<DeadLetter> found = new ArrayList<>();
        long scanned = 0;
        boolean complete = true;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            for (String name : names) {
                for (TopicPartition tp : partitions(consumer, name)) {
                    long end = offset(consumer.endOffsets(List.of(tp), TIMEOUT), tp);
                    long start = startOf(consumer, tp, filter.from());
                    if (start >= end) {
                        continue;
                    }
                    consumer.assign(List.of(tp));
                    consumer.seek(tp, start);
                    long position = start;
                    long deadline = System.nanoTime() + TIMEOUT.toNanos();
                    while (position < end) {
                        if (System.nanoTime() > deadline) {
                            throw new Unavailable("reading " + tp + " took over " + TIMEOUT, null);
                        }
                        if (found.size() >= limit || scanned >= properties.maxScan()) {
                            complete = false;
                            break;
                        }
                        var records = consumer.poll(POLL).records(tp);
                        if (records.isEmpty() && consumer.position(tp) >= end) {
                            break;
                        }
                        if (!records.isEmpty()) {
                            deadline = System.nanoTime() + TIMEOUT.toNanos();
                        }
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            if (r.offset() >= end || found.size() >= limit || scanned >= properties.maxScan()) {
                                break;
                            }
                            scanned++;
                            if (filter.matches(r)) {
                                found.add(DeadLetter.of(r, topics.originalOf(name), json, false));
                            }
                        }
                        position = consumer.position(tp);
                    }
                }
            }
        }
        found.sort(Comparator.comparing(DeadLetter::deadLetteredAt).thenComparing(DeadLetter::id));
        return new Listing(found, scanned, complete);
    }

    /** One record, decoded with its payload and headers. */
    public Optional<DeadLetter> find(String topic, int partition, long offset) {
        if (!exists(topic)) {
            return Optional.empty();
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            if (partition < 0 || partition >= partitions(consumer, topic).size()) {
                return Optional.empty();
            }
            long begin = offset(consumer.beginningOffsets(List.of(tp), TIMEOUT), tp);
            long end = offset(consumer.endOffsets(List.of(tp), TIMEOUT), tp);
            if (offset < begin || offset >= end) {
                return Optional.empty();
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL).records(tp)) {
                    if (r.offset() == offset) {
                        return Optional.of(DeadLetter.of(r, topics.originalOf(topic), json, true));
                    }
                    if (r.offset() > offset) {
                        return Optional.empty(); // compacted or a transaction marker
                    }
                }
                if (consumer.position(tp) > offset) {
                    return Optional.empty();
                }
            }
            throw new Unavailable("reading " + DeadLetter.id(topic, partition, offset) + " took over " + TIMEOUT, null);
        }
    }

    /** The end offset of each partition of {@code topic}, now: where a replay asked for now stops. */
    Map<Integer, Long> endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            Map<Integer, Long> ends = new TreeMap<>();
            consumer.endOffsets(partitions(consumer, topic), TIMEOUT).forEach((tp, end) -> ends.put(tp.partition(), end));
            return ends;
        }
    }

    /** Where a partition's records dead-lettered at or after {@code from} begin (its beginning without one). */
    static long startOf(KafkaConsumer<?, ?> consumer, TopicPartition tp, @Nullable Instant from) {
        if (from == null) {
            return offset(consumer.beginningOffsets(List.of(tp), TIMEOUT), tp);
        }
        OffsetAndTimestamp at = consumer.offsetsForTimes(Map.of(tp, from.toEpochMilli()), TIMEOUT).get(tp);
        return at != null ? at.offset() : offset(consumer.endOffsets(List.of(tp), TIMEOUT), tp);
    }

    /** {@code tp}'s offset in what {@code beginningOffsets} or {@code endOffsets} answered: one per partition asked. */
    private static long offset(Map<TopicPartition, Long> offsets, TopicPartition tp) {
        return Objects.requireNonNull(offsets.get(tp), "no offset for a partition asked about");
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
        return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(topic, p.partition()))
                .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
    }

    private List<String> deadLetterTopics() {
        try (Admin admin = Admin.create(kafka.buildAdminProperties())) {
            return admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                    .filter(topics::isDeadLetters).sorted().toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while listing the topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new Unavailable("could not list the topics: " + e.getMessage(), e);
        }
    }

    /** The broker did not answer. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    /** A consumer without a group: it reads where it is told and commits nothing. */
    KafkaConsumer<byte[], byte[]> consumer() {
        return consumer(null);
    }

    /** A consumer of committed records only; with {@code groupId}, for the positions a replay commits. */
    KafkaConsumer<byte[], byte[]> consumer(@Nullable String groupId) {
        Map<String, Object> settings = new HashMap<>(kafka.buildConsumerProperties());
        settings.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        if (groupId == null) {
            settings.remove(ConsumerConfig.GROUP_ID_CONFIG);
        } else {
            settings.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        settings.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        settings.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        settings.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
