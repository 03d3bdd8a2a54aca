package org.agentplatform.ledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** What an operator scrapes: the documented metrics with sane values after a few commands, and the probes. */
@SpringBootTest(classes = LedgerWorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=ledger-worker")
@DirtiesContext
class MetricsEndpointIntegrationTest {

    static final TestEnvironment env = TestServers.newEnvironment();
    static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @Test
    void exposesCommandOutcomesLagAndProbes() throws Exception {
        // Two agents registered, one grant to an account that does not exist: 2 applied, 1 rejected.
        publish(new RegisterAgent(UUID.randomUUID(), "m1"), new RegisterAgent(UUID.randomUUID(), "m2"),
                new GrantKarma(UUID.randomUUID(), 5));

        String group = env.topicPrefix() + "ledger-worker";
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            String scrape = get("/actuator/prometheus");
            assertThat(value(scrape, "platform_commands_total", group, "applied")).isEqualTo(2);
            assertThat(value(scrape, "platform_commands_total", group, "rejected")).isEqualTo(1);
            assertThat(scrape).contains("platform_commands_batch_size_count{group=\"" + group + "\"");
            assertThat(scrape).contains("kafka_consumer_fetch_manager_records_lag_max");
        });

        assertThat(get("/actuator/health/liveness")).contains("\"status\":\"UP\"");
        String readiness = get("/actuator/health/readiness");
        assertThat(readiness).contains("\"status\":\"UP\"").contains("commandConsumers").contains("\"db\"");
    }

    private static double value(String scrape, String metric, String group, String outcome) {
        Matcher m = Pattern.compile("^" + metric + "\\{(?=[^}]*group=\"" + Pattern.quote(group) + "\")(?=[^}]*outcome=\""
                + outcome + "\")[^}]*} ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private static void publish(LedgerCommand... commands) throws Exception {
        MessageCodec codec = new MessageCodec();
        Topics topics = new Topics(env.topicPrefix());
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers()), new StringSerializer(),
                new ByteArraySerializer())) {
            for (LedgerCommand command : commands) {
                Envelope<LedgerCommand> e = Envelope.of(UUID.randomUUID(), command, "ops", Instant.now());
                producer.send(new ProducerRecord<>(topics.commandsFor(command), command.partitionKey(), codec.encode(e))).get();
            }
        }
    }
}
