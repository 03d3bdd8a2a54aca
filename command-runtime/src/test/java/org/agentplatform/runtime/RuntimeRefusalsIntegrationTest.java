package org.agentplatform.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * What no worker may apply is refused by the runtime before the worker's handler sees it, each as an outcome
 * its issuer can read, while the good commands around it are applied: a command PostgreSQL cannot store,
 * one on the wrong topic or with the wrong key (it would break per-key order), one its issuer may not send.
 * The first release's routes (grants keyed by the treasury, registrations on their own topic) are still
 * applied, so that commands in flight during a rolling upgrade are not refused.
 */
@ContextConfiguration(classes = RuntimeRefusalsIntegrationTest.RefusalsTestApplication.class)
@TestPropertySource(properties = "platform.consumer.group-id=runtime-refusals-test")
class RuntimeRefusalsIntegrationTest extends AbstractRuntimeIntegrationTest {

    static final TestEnvironment env = ClassEnvironments.of(RuntimeRefusalsIntegrationTest.class);
    static final Topics topics = new Topics(env.topicPrefix());
    static final UUID agent = UUID.randomUUID();
    static final UUID other = UUID.randomUUID();
    static final Set<UUID> handled = ConcurrentHashMap.newKeySet();
    static final Map<String, UUID> sent = new ConcurrentHashMap<>();

    @BeforeAll
    static void publish() throws Exception {
        TestServers.kafka().createTopics(2, topics.karmaCommands(), topics.claimCommands(), topics.agentCommands());
        MessageCodec codec = new MessageCodec();
        try (KafkaProducer<String, byte[]> producer = producer(env)) {
            record Send(String name, String topic, String key, Command command, String actor) {
            }
            UUID claim = UUID.randomUUID();
            UUID job = UUID.randomUUID();
            for (Send s : List.of(
                    new Send("good", topics.karmaCommands(), agent.toString(), new GrantKarma(agent, 1), "admin"),
                    new Send("wrongKey", topics.karmaCommands(), UUID.randomUUID().toString(), new GrantKarma(agent, 2), "admin"),
                    new Send("noKey", topics.karmaCommands(), null, new GrantKarma(agent, 3), "admin"),
                    new Send("wrongTopic", topics.claimCommands(), agent.toString(), new GrantKarma(agent, 4), "admin"),
                    new Send("nulStatement", topics.claimCommands(), claim.toString(),
                            new SubmitClaim(claim, agent, "subject", "true\u0000false", Map.of(), 0), agent.toString()),
                    new Send("nulActor", topics.karmaCommands(), agent.toString(), new GrantKarma(agent, 5), "adm\u0000in"),
                    new Send("farExpiry", topics.karmaCommands(), agent.toString(),
                            new ReserveKarma(agent, other, 1, Instant.parse("+300000-01-01T00:00:00Z")), agent.toString()),
                    new Send("othersAccount", topics.karmaCommands(), other.toString(),
                            new TransferKarma(other, agent, 5), agent.toString()),
                    new Send("agentRegisters", topics.karmaCommands(), other.toString(),
                            new RegisterAgent(other, "mallory"), agent.toString()),
                    new Send("jobOnKarma", topics.karmaCommands(), job.toString(), new SubmitJob(job, agent,
                            JsonNodeFactory.instance.objectNode(), 0, 1, Duration.ofSeconds(5), null), agent.toString()),
                    new Send("legacyGrantKey", topics.karmaCommands(), Accounts.TREASURY.toString(), new GrantKarma(agent, 7),
                            "admin"),
                    new Send("legacyRegistration", topics.agentCommands(), other.toString(), new RegisterAgent(other, "o"),
                            "admin"),
                    new Send("good2", topics.karmaCommands(), agent.toString(), new GrantKarma(agent, 6), "admin"))) {
                Envelope<Command> e = Envelope.of(UUID.randomUUID(), s.command(), s.actor(), Instant.now());
                producer.send(new ProducerRecord<>(s.topic(), s.key(), codec.encode(e))).get();
                sent.put(s.name(), e.id());
            }
        }
    }

    @Test
    void refusesEachAsARecordedOutcomeAndAppliesTheRest() {
        await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                "select count(*) from processed_commands where command_id = any(?)", Long.class,
                (Object) sent.values().toArray(UUID[]::new)) == sent.size());

        assertOutcome("good", "APPLIED", null, null);
        assertOutcome("good2", "APPLIED", null, null);
        assertOutcome("wrongKey", "REJECTED", "WRONG_KEY", "must be keyed " + agent);
        assertOutcome("noKey", "REJECTED", "WRONG_KEY", "had no key");
        assertOutcome("wrongTopic", "REJECTED", "WRONG_TOPIC", "belongs on " + topics.karmaCommands());
        assertOutcome("nulStatement", "REJECTED", "INVALID_COMMAND", "payload.statement: must not contain the NUL");
        assertOutcome("nulActor", "REJECTED", "INVALID_COMMAND", "actor: must not contain the NUL");
        assertOutcome("farExpiry", "REJECTED", "INVALID_COMMAND", "payload.expiresAt: must be between");
        assertOutcome("othersAccount", "REJECTED", "FORBIDDEN", "debitAccountId: must be the issuing agent's own account");
        assertOutcome("agentRegisters", "REJECTED", "FORBIDDEN", "needs the admin role");
        assertOutcome("jobOnKarma", "REJECTED", "WRONG_TOPIC", "belongs on " + topics.jobCommands());
        assertOutcome("legacyGrantKey", "APPLIED", null, null);
        assertOutcome("legacyRegistration", "APPLIED", null, null);
        assertThat(handled).as("the worker's handler saw only what it may apply")
                .containsExactlyInAnyOrder(sent.get("good"), sent.get("good2"), sent.get("legacyGrantKey"),
                        sent.get("legacyRegistration"));
        assertThat(jdbc.queryForObject("select actor from processed_commands where command_id = ?", String.class,
                sent.get("nulActor"))).as("an actor that cannot be stored is recorded cleaned").isEqualTo("admin");
    }

    private void assertOutcome(String name, String outcome, String reason, String detailPart) {
        Map<String, Object> row = jdbc.queryForMap("select outcome, reason, detail from processed_commands where command_id = ?",
                sent.get(name));
        assertThat(row.get("outcome")).as(name).isEqualTo(outcome);
        assertThat(row.get("reason")).as(name).isEqualTo(reason);
        if (detailPart != null) {
            assertThat((String) row.get("detail")).as(name).contains(detailPart);
        }
    }

    /** Applies everything it is given and remembers it, so the test sees what got past the runtime. */
    static class RecordingHandler extends LedgerCommandsHandler {

        @Override
        public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
            commands.forEach(c -> handled.add(c.id()));
            return allApplied(commands);
        }
    }

    @SpringBootApplication
    @Import(CommandRuntimeConfiguration.class)
    static class RefusalsTestApplication {

        @Bean
        ConcurrentMessageListenerContainer<String, byte[]> refusalCommands(CommandConsumers consumers, Topics topics) {
            return consumers.container(List.of(topics.karmaCommands(), topics.claimCommands(),
                    topics.agentCommands()), new RecordingHandler());
        }
    }
}
