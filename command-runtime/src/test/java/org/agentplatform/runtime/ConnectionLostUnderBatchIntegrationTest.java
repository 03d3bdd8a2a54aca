package org.agentplatform.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * The crash the chaos run found: the database connection dies under a batch (here its backend is terminated,
 * as an immediate PostgreSQL stop or a network cut does), the batch fails, and its rollback fails too on the
 * dead connection. That is a transient failure whatever exception wraps it: the batch is retried whole and
 * applied once, nothing is dead-lettered and nothing is recorded as failed.
 */
@ContextConfiguration(classes = ConnectionLostUnderBatchIntegrationTest.ConnectionLostApplication.class)
@TestPropertySource(properties = {"platform.consumer.group-id=runtime-connection-lost-test",
        "platform.consumer.retry-backoff=50ms"})
class ConnectionLostUnderBatchIntegrationTest extends AbstractRuntimeIntegrationTest {

    static final TestEnvironment env = ClassEnvironments.of(ConnectionLostUnderBatchIntegrationTest.class);
    static final Topics topics = new Topics(env.topicPrefix());
    static final UUID account = UUID.randomUUID();
    static final List<UUID> sent = new ArrayList<>();
    static final AtomicInteger calls = new AtomicInteger();
    static final AtomicInteger applications = new AtomicInteger();
    /**
     * Attempts that lose their connection: more than the levels a bisection of 10 takes to reach one command, so
     * treating the failure as permanent would end with a command recorded as failed and dead-lettered.
     */
    static final int KILLS = 5;

    @BeforeAll
    static void publish() throws Exception {
        TestServers.kafka().createTopics(1, topics.karmaCommands());
        MessageCodec codec = new MessageCodec();
        try (KafkaProducer<String, byte[]> producer = producer(env)) {
            for (int i = 1; i <= 10; i++) {
                Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), new GrantKarma(account, i), "admin", Instant.now());
                producer.send(new ProducerRecord<>(topics.karmaCommands(), e.payload().partitionKey(), codec.encode(e))).get();
                sent.add(e.id());
            }
        }
    }

    @Test
    void theBatchIsRetriedWholeAndAppliedOnceWithNothingDeadLettered() {
        await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                "select count(*) from processed_commands where command_id = any(?) and outcome = 'APPLIED'", Long.class,
                (Object) sent.toArray(UUID[]::new)) == sent.size());
        assertThat(calls.get()).as("the first attempts lost their connection").isGreaterThan(KILLS);
        assertThat(applications.get()).as("each command reached the handler in exactly one committed batch")
                .isEqualTo(sent.size());
        assertThat(jdbc.queryForObject("select count(*) from processed_commands where reason = 'COMMAND_FAILED'",
                Long.class)).isZero();
        assertThat(jdbc.queryForObject("select next_offset from consumer_offsets where topic = ?", Long.class,
                topics.karmaCommands())).isEqualTo(sent.size());
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-check", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            var dlt = new org.apache.kafka.common.TopicPartition(topics.deadLetters(topics.karmaCommands()), 0);
            Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(List.of(dlt));
            assertThat(end.getOrDefault(dlt, 0L)).as("nothing dead-lettered").isZero();
        }
    }

    /**
     * The first {@link #KILLS} times, kills its own transaction's backend from another connection and then uses the dead
     * connection; afterwards applies normally (counting what committed batches applied).
     */
    static class ConnectionKillingHandler extends LedgerCommandsHandler {

        private final JdbcTemplate jdbc;
        private final JdbcTemplate admin;

        ConnectionKillingHandler(JdbcTemplate jdbc, JdbcTemplate admin) {
            this.jdbc = jdbc;
            this.admin = admin;
        }

        @Override
        public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
            if (calls.incrementAndGet() <= KILLS) {
                Integer pid = jdbc.queryForObject("select pg_backend_pid()", Integer.class);
                admin.queryForObject("select pg_terminate_backend(?)", Boolean.class, pid);
                jdbc.queryForObject("select 1", Integer.class); // fails: the connection is gone
            }
            // counted only if this batch commits: the assertion compares it with the commands sent
            org.springframework.transaction.support.TransactionSynchronizationManager.registerSynchronization(
                    new org.springframework.transaction.support.TransactionSynchronization() {
                        @Override
                        public void afterCommit() {
                            applications.addAndGet(commands.size());
                        }
                    });
            return allApplied(commands);
        }
    }

    @SpringBootApplication
    @Import(CommandRuntimeConfiguration.class)
    static class ConnectionLostApplication {

        @Bean
        ConcurrentMessageListenerContainer<String, byte[]> connectionLostCommands(CommandConsumers consumers,
                                                                                Topics topics, JdbcTemplate jdbc) {
            DataSource admin = TestServers.postgres().dataSource(env.databaseName());
            return consumers.container(List.of(topics.karmaCommands()),
                    new ConnectionKillingHandler(jdbc, new JdbcTemplate(admin)));
        }
    }
}
