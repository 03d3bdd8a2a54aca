package org.agentplatform.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Envelope;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * What the server-backed tests of the runtime share (after the acceptance-test bases of
 * gruelbox/transaction-outbox): an application of the test's own, with the runtime and one listener container,
 * on the JVM's one PostgreSQL and one Kafka, with a database and topic prefix of the test class's own
 * ({@link ClassEnvironments}); jdbc, producers to the broker, and a base for the tests' ledger-command handlers.
 *
 * <p>A subclass names its application with {@code @ContextConfiguration(classes = ...)} (a nested
 * {@code @SpringBootApplication} importing {@link CommandRuntimeConfiguration}) and its consumer group with
 * {@code @TestPropertySource}; both merge with these, where a {@code @SpringBootTest} of its own would replace
 * them. Where it needs its environment before there is an instance (publishing in a static {@code @BeforeAll},
 * the application's bean methods), it keeps it as {@code static final TestEnvironment env =
 * ClassEnvironments.of(ItsClass.class)}, the same one its context gets.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "spring.main.banner-mode=off")
@ContextCustomizerFactories(ClassEnvironments.class)
@DirtiesContext
abstract class AbstractRuntimeIntegrationTest {

    @Autowired
    protected JdbcTemplate jdbc;

    /** A producer to the environment's broker: string keys, bytes values, otherwise Kafka's defaults. */
    static KafkaProducer<String, byte[]> producer(TestEnvironment env) {
        return producer(env, Map.of());
    }

    /** As {@link #producer(TestEnvironment)}, with further producer settings. */
    static KafkaProducer<String, byte[]> producer(TestEnvironment env, Map<String, Object> settings) {
        Map<String, Object> config = new HashMap<>(settings);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers());
        return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    /** A handler of ledger commands, the family the tests publish. */
    abstract static class LedgerCommandsHandler implements CommandHandler<LedgerCommand> {

        @Override
        public Class<LedgerCommand> family() {
            return LedgerCommand.class;
        }

        /** Every command applied (as a no-op). */
        static List<Outcome> allApplied(List<Envelope<LedgerCommand>> commands) {
            return commands.stream().map(c -> Outcome.applied()).toList();
        }
    }
}
