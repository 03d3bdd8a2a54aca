package org.agentplatform.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The stored position, not the consumer's, decides what a batch may apply: when another owner of the partition
 * (a zombie, or the next instance after a rebalance) has already moved it, a consumer that fetches from behind
 * applies nothing twice and is put back where PostgreSQL says.
 */
@ContextConfiguration(classes = StoredPositionCheckIntegrationTest.PositionTestApplication.class)
@TestPropertySource(properties = "platform.consumer.group-id=runtime-position-test")
class StoredPositionCheckIntegrationTest extends AbstractRuntimeIntegrationTest {

    static final TestEnvironment env = ClassEnvironments.of(StoredPositionCheckIntegrationTest.class);
    static final Topics topics = new Topics(env.topicPrefix());
    static final UUID account = UUID.randomUUID();
    static final MessageCodec codec = new MessageCodec();
    static final KafkaProducer<String, byte[]> producer = producer(env);

    @Autowired
    MeterRegistry meters;

    @Autowired
    CommandConsumersHealthIndicator readiness;

    @BeforeAll
    static void createTopic() {
        TestServers.kafka().createTopics(2, topics.karmaCommands());
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    @Test
    void aBatchBehindTheStoredPositionAppliesNothingAndTheConsumerIsPutBack() throws Exception {
        List<UUID> first = send(0, 2);
        first.addAll(send(1, 2)); // offsets 0, 1 of each partition
        await().atMost(Duration.ofSeconds(60)).until(() -> applied(first) == 4);
        assertThat(position(0)).isEqualTo(2);
        assertThat(position(1)).isEqualTo(2);

        // another owner applied offsets 2 and 3 of partition 1 meanwhile (not this consumer's to repeat)
        jdbc.update("update consumer_offsets set next_offset = 4 where topic = ? and partition = 1", topics.karmaCommands());
        // interleaved, so that batches mix a partition that is in place with one that is not: the one in place
        // must be applied in full, not skipped because its batch was refused with the other. Offsets 2 and 3 of
        // partition 1 exist before anyone could have applied them, so the eight records are appended in one
        // producer batch per partition: a consumer never sees offset 2 while the log still ends before 4 (which
        // is what a recreated or truncated topic looks like, and is handled differently)
        List<UUID> inPlace = new ArrayList<>();
        List<UUID> skipped = new ArrayList<>();
        List<UUID> after = new ArrayList<>();
        try (KafkaProducer<String, byte[]> batching = producer(env, Map.of(ProducerConfig.LINGER_MS_CONFIG, 60_000))) {
            for (int i = 0; i < 2; i++) {
                inPlace.add(send(batching, 0));
                skipped.add(send(batching, 1)); // offsets 2, 3 of partition 1
            }
            for (int i = 0; i < 2; i++) {
                inPlace.add(send(batching, 0));
                after.add(send(batching, 1)); // offsets 4, 5 of partition 1
            }
            batching.flush();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> applied(after) == 2 && applied(inPlace) == 4);
        assertThat(applied(skipped)).as("records before the stored position are not applied again").isZero();
        assertThat(position(0)).isEqualTo(6);
        assertThat(position(1)).isEqualTo(6);
        assertThat(meters.get("platform.commands.realigned").counter().count()).isGreaterThanOrEqualTo(1);
        assertThat(readiness.health().getStatus()).as("ready: its consumer joined the group and runs").isEqualTo(Status.UP);
        assertThat(readiness.health().getDetails().toString()).contains("joinedGroup=true");
    }

    private long position(int partition) {
        return jdbc.queryForObject("select next_offset from consumer_offsets where topic = ? and partition = ?", Long.class,
                topics.karmaCommands(), partition);
    }

    private long applied(List<UUID> ids) {
        return jdbc.queryForObject("select count(*) from processed_commands where command_id = any(?)", Long.class,
                (Object) ids.toArray(UUID[]::new));
    }

    private static List<UUID> send(int partition, int n) throws Exception {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), new GrantKarma(account, 1), "admin", Instant.now());
            producer.send(new ProducerRecord<>(topics.karmaCommands(), partition, e.payload().partitionKey(),
                    codec.encode(e))).get();
            ids.add(e.id());
        }
        return ids;
    }

    /** Queued in {@code batching}'s current batch, not yet sent. */
    private static UUID send(KafkaProducer<String, byte[]> batching, int partition) {
        Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), new GrantKarma(account, 1), "admin", Instant.now());
        batching.send(new ProducerRecord<>(topics.karmaCommands(), partition, e.payload().partitionKey(), codec.encode(e)));
        return e.id();
    }

    /** Applies every grant as a no-op. */
    static class NoOpHandler extends LedgerCommandsHandler {

        @Override
        public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
            return allApplied(commands);
        }
    }

    @SpringBootApplication
    @Import(CommandRuntimeConfiguration.class)
    static class PositionTestApplication {

        @Bean
        ConcurrentMessageListenerContainer<String, byte[]> positionCommands(CommandConsumers consumers, Topics topics) {
            return consumers.container(List.of(topics.karmaCommands()), new NoOpHandler());
        }
    }
}
