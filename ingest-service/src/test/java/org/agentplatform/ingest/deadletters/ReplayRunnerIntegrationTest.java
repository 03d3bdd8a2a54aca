package org.agentplatform.ingest.deadletters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * The replay runner's promises, slice by slice against a real broker and PostgreSQL: a capped number of records per
 * slice; a takeover by another instance once the lease is stale resumes where the last committed slice ended; a
 * slice a dead runner left open is aborted, not delivered; progress lost in PostgreSQL is recovered from the
 * positions committed with the records; every record is sent exactly once for the request, and what is not fit to
 * go back (replayed too often, or from another topic) is quarantined.
 */
class ReplayRunnerIntegrationTest {

    private static final int BUDGET = 2;
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final TestEnvironment env = TestServers.newEnvironment();
    private final Topics topics = new Topics(env.topicPrefix());
    private final String target = topics.karmaCommands();
    private final String dlt = topics.deadLetters(target);
    private final MovableClock clock = new MovableClock(Instant.parse("2026-12-03T10:00:00Z"));

    @Test
    void sendsEachRecordOnceThroughATakeoverAnAbandonedSliceAndLostProgress() throws Exception {
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
        JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(env.jdbcUrl(), env.username(), env.password()));
        KafkaProperties kafka = new KafkaProperties();
        kafka.setBootstrapServers(List.of(env.bootstrapServers()));
        DeadLetterProperties properties = new DeadLetterProperties(3, BUDGET, Duration.ofSeconds(1), Duration.ofSeconds(10),
                10_000);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(dlt, 1, (short) 1), new NewTopic(target, 2, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = producer(Map.of())) {
            for (int i = 0; i < 5; i++) {
                producer.send(deadLetter("k" + i, "r" + i, target, null)).get();
            }
            producer.send(deadLetter("k5", "too-often", target, "3")).get();
            producer.send(deadLetter("k6", "planted", topics.events(Topics.AGGREGATE_KARMA), null)).get();
        }
        DeadLetterLog log = new DeadLetterLog(kafka, topics, properties);
        Replays replays = new Replays(jdbc);
        Replays.Replay replay = replays.create("admin", clock.instant(), dlt,
                DeadLetterFilter.of(null, null, "poison"), 3, log.endOffsets(dlt));
        ReplayRunner first = new ReplayRunner(replays, log, topics, kafka, properties, clock);
        ReplayRunner second = new ReplayRunner(replays, log, topics, kafka, properties, clock);

        // the first slice that reads anything (a slice reads for two intervals at most: a busy machine may need more)
        Replays.Replay afterOne = await().atMost(PATIENCE).until(() -> {
            first.runPass();
            return replays.find(replay.id()).orElseThrow();
        }, r -> r.replayed() > 0);
        assertThat(afterOne.status()).isEqualTo(Replays.Status.RUNNING);
        assertThat(afterOne.replayed()).as("one slice sends at most the budget").isEqualTo(BUDGET);

        // the first runner dies in its next slice, after sending and before committing: its transaction stays open
        try (KafkaProducer<String, String> zombie = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                "dead-letter-replay-" + replay.id()))) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(target, "k2", "r2")).get();
            zombie.flush();
            // ... and the update of its progress in PostgreSQL was lost too
            jdbc.sql("update dead_letter_replays set replayed = 0 where id = ?").param(replay.id()).update();

            // not stale yet: the second instance leaves it alone
            second.runPass();
            assertThat(replays.find(replay.id()).orElseThrow().runner()).isEqualTo(afterOne.runner());
            clock.move(Duration.ofSeconds(11));
            await().atMost(PATIENCE).until(() -> {
                second.runPass();
                first.runPass(); // back from the dead: the replay is no longer its own, and it does nothing
                return replays.find(replay.id()).orElseThrow().status();
            }, status -> status != Replays.Status.RUNNING);
        }

        Replays.Replay done = replays.find(replay.id()).orElseThrow();
        assertThat(done.status()).as(done.toString()).isEqualTo(Replays.Status.DONE);
        assertThat(done.runner()).isNotEqualTo(afterOne.runner());
        assertThat(done.replayed()).isEqualTo(5);
        assertThat(done.quarantined()).isEqualTo(2);
        assertThat(done.skipped()).isZero();

        List<ConsumerRecord<String, String>> sent = readCommitted(target);
        assertThat(sent).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4");
        assertThat(sent).allSatisfy(r -> {
            assertThat(header(r, DeadLetter.REPLAY_REQUEST)).isEqualTo(replay.id().toString());
            assertThat(header(r, DeadLetter.REPLAY_COUNT)).isEqualTo("1");
            assertThat(r.headers().lastHeader(DeadLetter.REASON)).as("dead-letter headers dropped").isNull();
            assertThat(r.headers().lastHeader(KafkaHeaders.DLT_ORIGINAL_TOPIC)).isNull();
        });
        assertThat(sent).extracting(r -> header(r, DeadLetter.REPLAY_SOURCE)).doesNotHaveDuplicates();

        List<ConsumerRecord<String, String>> parked = readCommitted(topics.quarantine(target));
        assertThat(parked).extracting(ConsumerRecord::value).containsExactlyInAnyOrder("too-often", "planted");
        assertThat(parked).anySatisfy(r -> assertThat(header(r, "quarantine-reason")).contains("replayed 3 times"));
        assertThat(parked).anySatisfy(r -> assertThat(header(r, "quarantine-reason"))
                .contains("dead-lettered from " + topics.events(Topics.AGGREGATE_KARMA)));
    }

    private ProducerRecord<String, String> deadLetter(String key, String value, String from, String replayCount) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(DeadLetter.REASON, "poison".getBytes(StandardCharsets.UTF_8));
        headers.add(KafkaHeaders.DLT_ORIGINAL_TOPIC, from.getBytes(StandardCharsets.UTF_8));
        if (replayCount != null) {
            headers.add(DeadLetter.REPLAY_COUNT, replayCount.getBytes(StandardCharsets.UTF_8));
        }
        return new ProducerRecord<>(dlt, null, key, value, headers);
    }

    private KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(extra);
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
        return new KafkaProducer<>(settings, new StringSerializer(), new StringSerializer());
    }

    /** Every committed record of {@code topic}, from the beginning to its end now. */
    private List<ConsumerRecord<String, String>> readCommitted(String topic) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** A clock the test moves, for leases that go stale without waiting. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void move(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
