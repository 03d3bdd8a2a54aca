package org.agentplatform.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.agentplatform.embedded.TopicTail;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The walking skeleton end to end, through the same {@link LocalStack} the README's run command starts:
 * HTTP to the ingest service, Kafka to the ledger worker, PostgreSQL, and the WAL through Debezium to
 * {@code events.karma} and {@code audit.changes}. Then the stack is stopped and started again on the same
 * data directory, and the state is still there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkingSkeletonSystemTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final JsonMapper json = JsonMapper.builder().build();
    private static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;

    static LocalStack.Options options;
    static LocalStack stack;
    static JdbcTemplate jdbc;

    static final UUID alice = UUID.randomUUID();
    static final UUID bob = UUID.randomUUID();
    static UUID transfer;
    static String aliceKey;
    static String bobKey;

    @BeforeAll
    static void startStack() {
        options = LocalStack.Options.onFreePorts(dataDir);
        stack = LocalStack.start(options);
        jdbc = jdbc(stack);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void grantAndTransferTravelTheWholePipeline() throws Exception {
        try (TopicTail events = new TopicTail(stack.kafka().bootstrapServers(), "events.karma");
             TopicTail audit = new TopicTail(stack.kafka().bootstrapServers(), "audit.changes")) {
            JsonNode aliceRegistered = register(alice, "alice");
            JsonNode bobRegistered = register(bob, "bob");
            aliceKey = aliceRegistered.get("apiKey").asString();
            bobKey = bobRegistered.get("apiKey").asString();
            awaitStatus(commandId(aliceRegistered), "APPLIED");
            awaitStatus(commandId(bobRegistered), "APPLIED");

            awaitStatus(post(stack.adminKey(), "/karma/grants", "{\"accountId\":\"%s\",\"amount\":100}".formatted(alice)),
                    "APPLIED");
            transfer = post(aliceKey, "/karma/transfers", """
                    {"debitAccountId":"%s","creditAccountId":"%s","amount":30}""".formatted(alice, bob));
            awaitStatus(transfer, "APPLIED");

            assertThat(balance(alice)).isEqualTo(70);
            assertThat(balance(bob)).isEqualTo(30);
            // read right after the outcome: served by the stack's streaming replica once it has replayed the transfer
            // (or by the primary, if it lags more than ingest.read-replica.max-wait), never without the transfer
            assertThat(stack.replica()).isPresent();
            await().atMost(PATIENCE).untilAsserted(() -> {
                assertThat(json.readTree(get("/accounts/" + alice).body()).get("balance").asLong()).isEqualTo(70);
                assertThat(get("/actuator/prometheus").body())
                        .containsPattern("ingest_reads_total\\{[^}]*source=\"replica\"[^}]*\\} [1-9]");
            });

            // The outbox row, routed by Debezium: keyed by the debited account, the event id in a header.
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(events.records()).anySatisfy(r -> {
                JsonNode event = json.readTree(r.value());
                assertThat(event.get("type").asString()).isEqualTo("TransferPosted");
                assertThat(event.get("causationId").asString()).isEqualTo(transfer.toString());
                assertThat(event.get("payload").get("debitBalanceAfter").asLong()).isEqualTo(70);
                assertThat(r.key()).isEqualTo(alice.toString());
                assertThat(TopicTail.header(r, "id")).isEqualTo(event.get("id").asString());
            }));

            // The row changes: the transfer row inserted, both balances updated.
            await().atMost(PATIENCE).untilAsserted(() -> {
                List<JsonNode> changes = audit.records().stream().map(r -> json.readTree(r.value())).toList();
                assertThat(changes).anySatisfy(c -> {
                    assertThat(c.get("table").asString()).isEqualTo("transfers");
                    assertThat(c.get("operation").asString()).isEqualTo("INSERT");
                    assertThat(c.get("primaryKey").get("id").asString()).isEqualTo(transfer.toString());
                    assertThat(c.get("after").get("amount").asLong()).isEqualTo(30);
                });
                assertThat(changes).anySatisfy(c -> {
                    assertThat(c.get("table").asString()).isEqualTo("accounts");
                    assertThat(c.get("operation").asString()).isEqualTo("UPDATE");
                    assertThat(c.get("after").get("id").asString()).isEqualTo(alice.toString());
                    assertThat(c.get("after").get("balance").asLong()).isEqualTo(70);
                });
            });
        }
    }

    @Test
    @Order(2)
    void anOverdraftIsARejectedOutcomeWithAnEvent() throws Exception {
        try (TopicTail events = new TopicTail(stack.kafka().bootstrapServers(), "events.karma")) {
            UUID overdraft = post(aliceKey, "/karma/transfers", """
                    {"debitAccountId":"%s","creditAccountId":"%s","amount":1000}""".formatted(alice, bob));
            JsonNode outcome = awaitStatus(overdraft, "REJECTED");
            assertThat(outcome.get("reason").asString()).isEqualTo("INSUFFICIENT_FUNDS");
            assertThat(balance(alice)).isEqualTo(70);

            await().atMost(PATIENCE).untilAsserted(() -> assertThat(events.records()).anySatisfy(r -> {
                JsonNode event = json.readTree(r.value());
                assertThat(event.get("type").asString()).isEqualTo("CommandRejected");
                assertThat(event.get("payload").get("commandId").asString()).isEqualTo(overdraft.toString());
                assertThat(event.get("payload").get("reason").asString()).isEqualTo("INSUFFICIENT_FUNDS");
            }));
        }
    }

    /**
     * Versions 1 and 2 of a transfer side by side: a producer built against version 1 writes its JSON straight to
     * Kafka, the HTTP API sends a transfer with a memo as version 2, both are applied, and a consumer built against
     * version 1 of {@code TransferPosted} (ignoring fields it does not know, as the versioning policy asks) reads
     * both events. The two transfers cancel out, so the later tests' balances hold.
     */
    @Test
    @Order(3)
    void aVersionOneProducerAndAVersionOneConsumerKeepWorkingBesideVersionTwo() throws Exception {
        try (TopicTail events = new TopicTail(stack.kafka().bootstrapServers(), "events.karma");
             TopicTail commands = new TopicTail(stack.kafka().bootstrapServers(), "commands.karma");
             KafkaProducer<String, String> v1Producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            UUID old = UUID.randomUUID();
            // exactly what schemas/v1/TransferKarma.schema.json describes, from a service producing to Kafka
            v1Producer.send(new ProducerRecord<>("commands.karma", alice.toString(), """
                    {"id":"%s","type":"TransferKarma","schemaVersion":1,"occurredAt":"2026-12-02T10:00:00Z",
                     "actor":"payroll-service","correlationId":"%s","causationId":null,
                     "payload":{"debitAccountId":"%s","creditAccountId":"%s","amount":5}}"""
                    .formatted(old, old, alice, bob))).get();
            awaitStatus(old, "APPLIED");

            UUID withMemo = post(bobKey, "/karma/transfers", """
                    {"debitAccountId":"%s","creditAccountId":"%s","amount":5,"memo":"half the lunch"}"""
                    .formatted(bob, alice));
            awaitStatus(withMemo, "APPLIED");
            assertThat(jdbc.queryForObject("select memo from transfers where id = ?", String.class, withMemo))
                    .isEqualTo("half the lunch");
            assertThat(jdbc.queryForObject("select memo from transfers where id = ?", String.class, old)).isNull();
            assertThat(json.readTree(get("/accounts/" + bob).body()).get("recentTransfers"))
                    .anySatisfy(t -> assertThat(t.get("memo").asString()).isEqualTo("half the lunch"));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(commands.records()).anySatisfy(r -> {
                JsonNode sent = json.readTree(r.value());
                assertThat(sent.get("id").asString()).isEqualTo(withMemo.toString());
                assertThat(sent.get("schemaVersion").asInt()).isEqualTo(2);
            }));

            JsonMapper v1Consumer = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
            await().atMost(PATIENCE).untilAsserted(() -> {
                Map<UUID, JsonNode> posted = new HashMap<>();
                for (var r : events.records()) {
                    JsonNode event = json.readTree(r.value());
                    if (event.get("type").asString().equals("TransferPosted")) {
                        posted.put(UUID.fromString(event.get("causationId").asString()), event);
                    }
                }
                assertThat(posted).containsKeys(old, withMemo);
                assertThat(posted.get(old).get("schemaVersion").asInt()).isEqualTo(1);
                assertThat(posted.get(old).get("payload").has("memo")).as("unchanged for version-1 readers").isFalse();
                JsonNode memoEvent = posted.get(withMemo);
                assertThat(memoEvent.get("schemaVersion").asInt()).isEqualTo(1);
                assertThat(memoEvent.get("payload").get("memo").asString()).isEqualTo("half the lunch");
                TransferPostedV1 read = v1Consumer.treeToValue(memoEvent.get("payload"), TransferPostedV1.class);
                assertThat(read).isEqualTo(new TransferPostedV1(withMemo, bob, alice, 5, "TRANSFER", 30, 70));
            });
        }
        assertThat(balance(alice)).isEqualTo(70);
        assertThat(balance(bob)).isEqualTo(30);
    }

    /** {@code TransferPosted} as a consumer compiled against version 1 declares it. */
    record TransferPostedV1(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, String kind,
                            long debitBalanceAfter, long creditBalanceAfter) {
    }

    @Test
    @Order(4)
    void theAuditLogHoldsEveryChangeAndItsChainVerifies() {
        // The audit worker listens next to the HTTP port (+3). 409 until the log has caught up with the tables.
        URI verify = URI.create("http://localhost:" + (options.httpPort() + 3) + "/audit/verify");
        await().atMost(PATIENCE).untilAsserted(() -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(verify).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        });
        assertThat(jdbc.queryForObject("select count(*) from audit_log where table_name = 'transfers'", Long.class))
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    @Order(5)
    void keepsItsDataAcrossARestart() throws Exception {
        stack.close();
        stack = LocalStack.start(options);
        jdbc = jdbc(stack);

        assertThat(balance(alice)).isEqualTo(70);
        assertThat(balance(bob)).isEqualTo(30);
        // The restarted pipeline still works end to end.
        awaitStatus(post(bobKey, "/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":5}""".formatted(bob, alice)), "APPLIED");
        assertThat(balance(alice)).isEqualTo(75);
        assertThat(jdbc.queryForObject("select sum(balance) from accounts", Long.class)).isZero();
    }

    /**
     * The admin registers an agent; the answer (201, once the ledger applied the registration) carries the
     * agent's API key, shown this once.
     */
    private static JsonNode register(UUID agent, String name) throws IOException, InterruptedException {
        return send(stack.adminKey(), "/agents", "{\"agentId\":\"%s\",\"name\":\"%s\"}".formatted(agent, name), 201);
    }

    private static UUID post(String key, String path, String body) throws IOException, InterruptedException {
        return commandId(send(key, path, body));
    }

    private static JsonNode send(String key, String path, String body) throws IOException, InterruptedException {
        return send(key, path, body, 202);
    }

    private static JsonNode send(String key, String path, String body, int expected)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expected);
        return json.readTree(response.body());
    }

    private static UUID commandId(JsonNode answer) {
        return UUID.fromString(answer.get("commandId").asString());
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + stack.adminKey()).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitStatus(UUID commandId, String status) {
        return await().atMost(PATIENCE).until(() -> json.readTree(get("/commands/" + commandId).body()),
                outcome -> status.equals(outcome.get("status").asString()));
    }

    private static long balance(UUID account) {
        return jdbc.queryForObject("select balance from accounts where id = ?", Long.class, account);
    }

    private static URI uri(String path) {
        return URI.create("http://localhost:" + options.httpPort() + path);
    }

    private static JdbcTemplate jdbc(LocalStack stack) {
        DataSource dataSource = stack.postgres().dataSource(LocalStack.DATABASE);
        return new JdbcTemplate(dataSource);
    }
}
