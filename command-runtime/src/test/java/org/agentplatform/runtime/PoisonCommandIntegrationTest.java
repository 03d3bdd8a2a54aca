package org.agentplatform.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * A command that the worker cannot apply (its handler fails for a reason a retry would only repeat) must
 * not hold up the others of its batch or its partition: the batch is bisected, the poisonous command ends
 * with a recorded outcome ({@code DEAD_LETTERED COMMAND_FAILED}, readable by its issuer) and a dead letter with
 * the reason for the operator, and everything else is applied in a handful of transactions, not one per
 * command. Once the cause is fixed, the dead letter sent back to its topic is applied, once.
 */
@ContextConfiguration(classes = PoisonCommandIntegrationTest.RuntimeTestApplication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestPropertySource(properties = "platform.consumer.group-id=runtime-test")
class PoisonCommandIntegrationTest extends AbstractRuntimeIntegrationTest {

    static final TestEnvironment env = ClassEnvironments.of(PoisonCommandIntegrationTest.class);
    static final UUID account = UUID.randomUUID();
    static final List<UUID> sent = new ArrayList<>();
    static UUID poison;
    /** One poll's worth (all on one partition, published before the worker starts). */
    static final int COMMANDS = 64;

    @Autowired
    MeterRegistry meters;

    /** Published before the worker starts, so that they arrive in one poll: good, poison, good, good. */
    @BeforeAll
    static void publish() throws Exception {
        MessageCodec codec = new MessageCodec();
        try (KafkaProducer<String, byte[]> producer = producer(env)) {
            for (long amount = 1; amount <= COMMANDS; amount++) {
                Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), new GrantKarma(account, amount), "test", Instant.now());
                producer.send(new ProducerRecord<>(env.topic("commands.karma"), e.payload().partitionKey(), codec.encode(e))).get();
                sent.add(e.id());
                if (amount == PoisonAwareHandler.POISON) {
                    poison = e.id();
                }
            }
        }
    }

    @Test
    @Order(1)
    void recordsThePoisonAsDeadLetteredDeadLettersItAndAppliesTheRestInFewTransactions() {
        List<UUID> good = sent.stream().filter(id -> !id.equals(poison)).toList();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select command_id from processed_commands where outcome = 'APPLIED'", UUID.class))
                .containsExactlyInAnyOrderElementsOf(good));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForMap(
                "select outcome, reason, detail, actor from processed_commands where command_id = ?", poison))
                .as("the poison ends with an outcome its issuer can read, not PENDING for ever")
                .containsEntry("outcome", "DEAD_LETTERED").containsEntry("reason", "COMMAND_FAILED")
                .containsEntry("actor", "test"));

        List<ConsumerRecord<String, String>> dead = readDeadLetters();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).contains(poison.toString());
        assertThat(new String(dead.get(0).headers().lastHeader("dlt-reason").value(), StandardCharsets.UTF_8))
                .contains("cannot apply amount 13");

        String topic = env.topic("commands.karma");
        assertThat(jdbc.queryForObject("select sum(next_offset) from consumer_offsets where topic = ?", Long.class, topic))
                .as("the position moved past every record").isEqualTo(COMMANDS);
        double transactions = meters.get("platform.commands.transactions").counter().count();
        assertThat(transactions)
                .as("bisection isolates one poison among %d in about 2*log2(n) transactions, not n", COMMANDS)
                .isLessThanOrEqualTo(2 * (Math.log(COMMANDS) / Math.log(2)) + 4);
    }

    @Test
    @Order(2)
    void theDeadLetterSentBackOnceTheCauseIsFixedIsAppliedOnceAndAgainIsADuplicate() throws Exception {
        ConsumerRecord<String, String> dead = readDeadLetters().get(0);
        PoisonAwareHandler.fixed = true;
        try (KafkaProducer<String, byte[]> producer = producer(env)) {
            for (int copy = 0; copy < 2; copy++) {
                producer.send(new ProducerRecord<>(env.topic("commands.karma"), dead.key(),
                        dead.value().getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForObject(
                "select sum(next_offset) from consumer_offsets where topic = ?", Long.class, env.topic("commands.karma")))
                .isEqualTo(COMMANDS + 2));
        assertThat(jdbc.queryForMap("select outcome, reason from processed_commands where command_id = ?", poison))
                .containsEntry("outcome", "APPLIED").containsEntry("reason", null);
        assertThat(PoisonAwareHandler.poisonApplied).as("the replayed poison, applied once").hasValue(1);
    }

    @Test
    @Order(3)
    void anUnreadableCommandWhoseIdCanBeReadIsRecordedDeadLetteredAndItsReadableDeliveryIsApplied() throws Exception {
        MessageCodec codec = new MessageCodec();
        Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), new GrantKarma(account, 7), "test", Instant.now());
        String valid = codec.encodeToString(e);
        String unknownVersion = valid.replace("\"schemaVersion\":1", "\"schemaVersion\":99");
        assertThat(unknownVersion).isNotEqualTo(valid);
        try (KafkaProducer<String, byte[]> producer = producer(env)) {
            producer.send(new ProducerRecord<>(env.topic("commands.karma"), e.payload().partitionKey(),
                    unknownVersion.getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForList(
                "select outcome, reason, detail, actor, command_type from processed_commands where command_id = ?", e.id()))
                .singleElement().satisfies(row -> assertThat(row).containsEntry("outcome", "DEAD_LETTERED")
                        .containsEntry("reason", "MALFORMED_COMMAND").containsEntry("actor", "test")
                        .containsEntry("command_type", "GrantKarma")
                        .hasEntrySatisfying("detail", d -> assertThat((String) d).contains("unsupported schemaVersion 99"))));

        try (KafkaProducer<String, byte[]> producer = producer(env)) {
            producer.send(new ProducerRecord<>(env.topic("commands.karma"), e.payload().partitionKey(),
                    valid.getBytes(StandardCharsets.UTF_8))).get();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(jdbc.queryForMap(
                "select outcome, fingerprint from processed_commands where command_id = ?", e.id()))
                .containsEntry("outcome", "APPLIED").containsEntry("fingerprint", codec.fingerprint(e.payload())));
    }

    private List<ConsumerRecord<String, String>> readDeadLetters() {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(env.topic("commands.karma.dlt")));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
        }
        return records;
    }

    /** Applies grants as no-ops, except one amount that stands for a command the worker cannot apply. */
    static class PoisonAwareHandler extends LedgerCommandsHandler {

        static final long POISON = 13;
        /** The operator's fix: from then on the poison applies. */
        static volatile boolean fixed;
        static final AtomicInteger poisonApplied = new AtomicInteger();

        @Override
        public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
            int poisons = 0;
            for (Envelope<LedgerCommand> command : commands) {
                if (command.payload() instanceof GrantKarma grant && grant.amount() == POISON) {
                    if (!fixed) {
                        throw new IllegalStateException("cannot apply amount " + POISON);
                    }
                    poisons++;
                }
            }
            poisonApplied.addAndGet(poisons);
            return allApplied(commands);
        }
    }

    @SpringBootApplication
    @Import(CommandRuntimeConfiguration.class)
    static class RuntimeTestApplication {

        @Bean
        ConcurrentMessageListenerContainer<String, byte[]> testCommands(CommandConsumers consumers, Topics topics) {
            return consumers.container(List.of(topics.karmaCommands()), new PoisonAwareHandler());
        }
    }
}
