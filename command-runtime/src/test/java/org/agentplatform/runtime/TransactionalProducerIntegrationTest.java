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
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * A transactional producer (a dead-letter replay, or a producer of the user's own) leaves a commit marker after its
 * records: an offset without a record, which the stored position may point at. The worker must read on past it,
 * not wait for a record that never comes.
 */
@ContextConfiguration(classes = TransactionalProducerIntegrationTest.RuntimeTestApplication.class)
@TestPropertySource(properties = "platform.consumer.group-id=runtime-tx-test")
class TransactionalProducerIntegrationTest extends AbstractRuntimeIntegrationTest {

    static final TestEnvironment env = ClassEnvironments.of(TransactionalProducerIntegrationTest.class);

    @Test
    void commandsBehindCommitMarkersAreApplied() throws Exception {
        MessageCodec codec = new MessageCodec();
        UUID account = UUID.randomUUID();
        List<UUID> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = producer(env,
                Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-test-" + UUID.randomUUID()));
             KafkaProducer<String, byte[]> plain = producer(env)) {
            producer.initTransactions();
            for (int round = 0; round < 3; round++) {
                // one transaction, then the worker catches up (its position then stops at the marker), then more
                producer.beginTransaction();
                Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), new GrantKarma(account, 1), "test", Instant.now());
                producer.send(new ProducerRecord<>(env.topic("commands.karma"), e.payload().partitionKey(), codec.encode(e)));
                producer.commitTransaction();
                sent.add(e.id());
                awaitApplied(sent);
                Envelope<LedgerCommand> next = Envelope.of(UUID.randomUUID(), new GrantKarma(account, 2), "test", Instant.now());
                plain.send(new ProducerRecord<>(env.topic("commands.karma"), next.payload().partitionKey(), codec.encode(next))).get();
                sent.add(next.id());
                awaitApplied(sent);
            }
        }
    }

    private void awaitApplied(List<UUID> ids) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select count(*) from processed_commands where outcome = 'APPLIED' and command_id = any(?)", Long.class,
                (Object) ids.toArray(UUID[]::new))).isEqualTo(ids.size()));
    }

    @SpringBootApplication
    @Import(CommandRuntimeConfiguration.class)
    static class RuntimeTestApplication {

        @Bean
        ConcurrentMessageListenerContainer<String, byte[]> testCommands(CommandConsumers consumers, Topics topics) {
            return consumers.container(List.of(topics.karmaCommands()), new LedgerCommandsHandler() {
                @Override
                public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
                    return allApplied(commands);
                }
            });
        }
    }
}
