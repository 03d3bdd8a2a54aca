package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaServerTest {

    private static KafkaServer kafka;

    @BeforeAll
    static void start() {
        long t0 = System.nanoTime();
        kafka = KafkaServer.start(null, 0);
        System.out.printf("Kafka (temporary, format + start) started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            long t0 = System.nanoTime();
            Path dir = kafka.logDirectory();
            kafka.close();
            System.out.printf("Kafka stopped in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(dir).doesNotExist();
        }
    }

    @Test
    void producesAndConsumesOverARealConnection() throws Exception {
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + kafka.port());
        String topic = "orders-" + UUID.randomUUID();
        kafka.createTopics(3, topic);
        send(kafka, topic, "k1", "hello");
        List<ConsumerRecord<String, String>> records = readAll(kafka, topic, 1);
        assertThat(records).extracting(ConsumerRecord::key, ConsumerRecord::value)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("k1", "hello"));
    }

    @Test
    void createTopicsIsIdempotentAndWaitsForLeaders() throws Exception {
        String a = "a-" + UUID.randomUUID();
        String b = "b-" + UUID.randomUUID();
        kafka.createTopics(2, a);
        kafka.createTopics(2, a, b);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<String, TopicDescription> d = admin.describeTopics(List.of(a, b)).allTopicNames().get(10, TimeUnit.SECONDS);
            assertThat(d.get(a).partitions()).hasSize(2);
            assertThat(d.get(b).partitions()).hasSize(2);
            assertThat(d.get(b).partitions()).allSatisfy(p -> assertThat(p.leader()).isNotNull());
        }
    }

    @Test
    void autoCreatedTopicsGetFourPartitions() throws Exception {
        String topic = "auto-" + UUID.randomUUID();
        send(kafka, topic, "k", "v");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
            assertThat(d.partitions()).hasSize(4);
        }
    }

    @Test
    void consumerGroupsWork() throws Exception {
        String topic = "group-" + UUID.randomUUID();
        kafka.createTopics(1, topic);
        send(kafka, topic, "k", "v");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(got::add);
            }
            assertThat(got).extracting(ConsumerRecord::value).containsExactly("v");
            consumer.commitSync();
        }
    }

    @Test
    void restartOnTheSameLogDirectoryAndPortKeepsTheData(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("kafka");
        String topic = "kept";
        int port;
        String clusterId;
        try (KafkaServer first = KafkaServer.start(dir, 0)) {
            port = first.port();
            clusterId = first.clusterId();
            first.createTopics(2, topic);
            send(first, topic, "k1", "v1");
            send(first, topic, "k2", "v2");
        }
        long t0 = System.nanoTime();
        try (KafkaServer second = KafkaServer.start(dir, port)) {
            System.out.printf("Kafka restart on an existing log directory took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            assertThat(second.port()).isEqualTo(port);
            assertThat(second.clusterId()).isEqualTo(clusterId);
            second.createTopics(2, topic); // exists: no-op
            assertThat(readAll(second, topic, 2)).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("v1", "v2");
            send(second, topic, "k3", "v3");
        }
        assertThat(dir.resolve("meta.properties")).exists();
    }

    static RecordMetadata send(KafkaEndpoint server, String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new StringSerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    static List<ConsumerRecord<String, String>> readAll(KafkaEndpoint server, String topic, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, server.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            var partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(got::add);
            }
            return got;
        }
    }
}
