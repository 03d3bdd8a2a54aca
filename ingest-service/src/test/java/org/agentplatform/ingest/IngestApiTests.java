package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.test.web.servlet.client.RestTestClient.ResponseSpec;

import tools.jackson.databind.JsonNode;

/**
 * The HTTP API over a real broker and a real PostgreSQL. Assertions are on what lands in Kafka and on
 * reads of rows the test writes itself (the ledger worker is not part of this test).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=ingest-service")
class IngestApiTests {

    static final TestEnvironment env = TestServers.newEnvironment();
    static final Topics topics = new Topics(env.topicPrefix());

    static TopicReader karmaTopic;
    static TopicReader agentTopic;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    /** Ingest does not migrate (the workers own the schema), so the test does. */
    @BeforeAll
    static void schema() {
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
    }

    @AfterAll
    static void closeReaders() {
        if (karmaTopic != null) {
            karmaTopic.close();
        }
        if (agentTopic != null) {
            agentTopic.close();
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    KafkaTemplate<String, byte[]> kafka;

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
        // the topics exist once the context is up (ingest declares them)
        if (karmaTopic == null) {
            karmaTopic = new TopicReader(env.bootstrapServers(), topics.karmaCommands());
            agentTopic = new TopicReader(env.bootstrapServers(), topics.agentCommands());
        }
    }

    // ------------------------------------------------------------------ publishing

    @Test
    void grantIsPublishedOnTheKarmaTopicKeyedByTheTreasury() {
        UUID account = UUID.randomUUID();

        JsonNode accepted = post("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":25}", "alice", null)
                .expectStatus().isAccepted()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectHeader().value(HttpHeaders.LOCATION, location -> assertThat(location).startsWith("/commands/"))
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID commandId = UUID.fromString(accepted.get("commandId").asString());

        List<ConsumerRecord<String, byte[]>> records = karmaTopic.recordsOf(commandId);
        assertThat(records).hasSize(1);
        ConsumerRecord<String, byte[]> record = records.get(0);
        assertThat(record.key()).isEqualTo(Accounts.TREASURY.toString()).isEqualTo("00000000-0000-0000-0000-000000000001");
        JsonNode envelope = TopicReader.json(record);
        assertThat(envelope.get("type").asString()).isEqualTo("GrantKarma");
        assertThat(envelope.get("id").asString()).isEqualTo(commandId.toString());
        assertThat(envelope.get("schemaVersion").asInt()).isEqualTo(1);
        assertThat(envelope.get("actor").asString()).isEqualTo("alice");
        assertThat(envelope.get("correlationId").asString()).isEqualTo(commandId.toString());
        assertThat(envelope.get("payload").get("accountId").asString()).isEqualTo(account.toString());
        assertThat(envelope.get("payload").get("amount").asLong()).isEqualTo(25);
    }

    @Test
    void transferIsKeyedByTheDebitedAccount() {
        UUID debit = UUID.randomUUID();
        UUID credit = UUID.randomUUID();

        UUID commandId = accepted(post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":%d}""".formatted(debit, credit, Long.MAX_VALUE),
                null, null));

        ConsumerRecord<String, byte[]> record = single(karmaTopic.recordsOf(commandId));
        assertThat(record.key()).isEqualTo(debit.toString());
        JsonNode envelope = TopicReader.json(record);
        assertThat(envelope.get("type").asString()).isEqualTo("TransferKarma");
        assertThat(envelope.get("actor").asString()).isEqualTo("anonymous");
        assertThat(envelope.get("payload").get("creditAccountId").asString()).isEqualTo(credit.toString());
        assertThat(envelope.get("payload").get("amount").asLong()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void registeringAnAgentPublishesOnTheAgentTopicKeyedByTheAgent() {
        UUID agentId = UUID.randomUUID();
        JsonNode body = post("/agents", "{\"agentId\":\"" + agentId + "\",\"name\":\"Ada\"}", "admin", null)
                .expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(body.get("agentId").asString()).isEqualTo(agentId.toString());

        ConsumerRecord<String, byte[]> record = single(agentTopic.recordsOf(UUID.fromString(body.get("commandId").asString())));
        assertThat(record.key()).isEqualTo(agentId.toString());
        JsonNode envelope = TopicReader.json(record);
        assertThat(envelope.get("type").asString()).isEqualTo("RegisterAgent");
        assertThat(envelope.get("payload").get("name").asString()).isEqualTo("Ada");
    }

    @Test
    void anAgentWithoutAnIdGetsOne() {
        JsonNode body = post("/agents", "{\"name\":\"Grace\"}", null, null)
                .expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID agentId = UUID.fromString(body.get("agentId").asString());

        ConsumerRecord<String, byte[]> record = single(agentTopic.recordsOf(UUID.fromString(body.get("commandId").asString())));
        assertThat(record.key()).isEqualTo(agentId.toString());
        assertThat(TopicReader.json(record).get("payload").get("agentId").asString()).isEqualTo(agentId.toString());
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyCarriesTheSameCommandId() {
        String key = "grant-" + UUID.randomUUID();
        String grant = "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":7}";

        UUID first = accepted(post("/karma/grants", grant, "bob", key));
        UUID retry = accepted(post("/karma/grants", grant, "bob", key));
        UUID otherActor = accepted(post("/karma/grants", grant, "carol", key));
        UUID noKey = accepted(post("/karma/grants", grant, "bob", null));

        assertThat(retry).isEqualTo(first);
        assertThat(otherActor).isNotEqualTo(first);
        assertThat(noKey).isNotEqualTo(first);
        // both attempts are on the topic under one id: the worker applies the command once
        assertThat(karmaTopic.recordsOf(first)).hasSize(2);
    }

    @Test
    void aRetriedRegistrationWithoutAgentIdNamesTheSameAgent() {
        String key = "agent-" + UUID.randomUUID();
        JsonNode first = post("/agents", "{\"name\":\"Linus\"}", null, key).expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        JsonNode retry = post("/agents", "{\"name\":\"Linus\"}", null, key).expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(retry.get("commandId")).isEqualTo(first.get("commandId"));
        assertThat(retry.get("agentId")).isEqualTo(first.get("agentId"));
    }

    @Test
    void theProducerIsIdempotentWaitsForAllReplicasAndGivesUpWithinThePublishTimeout() {
        assertThat(kafka.getProducerFactory().getConfigurationProperties())
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000L)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    }

    // ------------------------------------------------------------------ invalid requests

    static Stream<Arguments> invalidRequests() {
        String account = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        return Stream.of(
                // path, body, status, field named in errors (null: none)
                Arguments.of("/karma/grants", "{\"amount\":10}", 400, "accountId"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\"}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":0}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":-5}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":9223372036854775808}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":1.5}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":\"10\"}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":null}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10,\"memo\":\"x\"}", 400, "memo"),
                Arguments.of("/karma/grants", "{\"accountId\":\"not-a-uuid\",\"amount\":10}", 400, "accountId"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10,\"amount\":1000}", 400, null),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10", 400, null),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10} {}", 400, null),
                Arguments.of("/karma/grants", "[]", 400, null),
                Arguments.of("/karma/grants", "", 400, null),
                Arguments.of("/karma/transfers", "{\"debitAccountId\":\"" + account + "\",\"creditAccountId\":\"" + account
                        + "\",\"amount\":1}", 400, "distinctAccounts"),
                Arguments.of("/karma/transfers", "{\"debitAccountId\":\"" + account + "\",\"creditAccountId\":\"" + other
                        + "\",\"amount\":1,\"distinctAccounts\":true}", 400, "distinctAccounts"),
                Arguments.of("/karma/transfers", "{\"creditAccountId\":\"" + other + "\",\"amount\":1}", 400, "debitAccountId"),
                Arguments.of("/agents", "{\"name\":\"\"}", 400, "name"),
                Arguments.of("/agents", "{\"name\":\"" + "x".repeat(201) + "\"}", 400, "name"),
                Arguments.of("/agents", "{\"name\":42}", 400, "name"),
                Arguments.of("/agents", "{}", 400, "name"));
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("invalidRequests")
    void anInvalidBodyIsAProblemAndPublishesNothing(String path, String body, int status, String field) {
        long karma = karmaTopic.size();
        long agents = agentTopic.size();

        JsonNode problem = post(path, body, null, null)
                .expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asString()).isNotBlank();
        if (field != null) {
            assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString())).contains(field);
        }
        assertThat(karmaTopic.size()).isEqualTo(karma);
        assertThat(agentTopic.size()).isEqualTo(agents);
    }

    @Test
    void anOverflowingAmountIsNamedAsSuch() {
        JsonNode problem = post("/karma/grants", "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":99999999999999999999}",
                null, null).expectStatus().isBadRequest().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("amount");
        assertThat(problem.get("errors").get(0).get("detail").asString()).contains("out of range");
    }

    @Test
    void onlyJsonIsAccepted() {
        long karma = karmaTopic.size();
        http.post().uri("/karma/grants")
                .contentType(MediaType.TEXT_PLAIN)
                .body("{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}")
                .exchange()
                .expectStatus().isEqualTo(415)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.post().uri("/karma/grants")
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body("accountId=" + UUID.randomUUID() + "&amount=10")
                .exchange()
                .expectStatus().isEqualTo(415);
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    @Test
    void anInvalidIdempotencyKeyOrActorIsRefused() {
        long karma = karmaTopic.size();
        String grant = "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}";
        post("/karma/grants", grant, null, "k".repeat(256)).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        post("/karma/grants", grant, "x".repeat(201), null).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhetherItDeclaresItsLengthOrNot() throws Exception {
        long karma = karmaTopic.size();
        String big = "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10,\"memo\":\"" + "x".repeat(70_000) + "\"}";

        post("/karma/grants", big, null, null)
                .expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        // no Content-Length: the body arrives chunked and is counted while it is read
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/karma/grants"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    // ------------------------------------------------------------------ reads

    @Test
    void aCommandIsPendingUntilTheWorkerRecordsItsOutcome() {
        UUID applied = accepted(post("/karma/grants", "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":3}", null, null));
        UUID rejected = accepted(post("/karma/transfers", "{\"debitAccountId\":\"" + UUID.randomUUID()
                + "\",\"creditAccountId\":\"" + UUID.randomUUID() + "\",\"amount\":3}", null, null));

        http.get().uri("/commands/{id}", applied).exchange()
                .expectStatus().isOk()
                .expectBody().json("{\"commandId\":\"" + applied + "\",\"status\":\"PENDING\"}")
                .jsonPath("$.processedAt").doesNotExist()
                .jsonPath("$.reason").doesNotExist();

        Instant at = Instant.parse("2025-01-02T03:04:05.678Z");
        processed(applied, "GrantKarma", "APPLIED", null, null, at);
        processed(rejected, "TransferKarma", "REJECTED", "INSUFFICIENT_FUNDS", "available 0, needed 3", at);

        http.get().uri("/commands/{id}", applied).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("APPLIED")
                .jsonPath("$.processedAt").isEqualTo("2025-01-02T03:04:05.678Z")
                .jsonPath("$.reason").doesNotExist();
        http.get().uri("/commands/{id}", rejected).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("REJECTED")
                .jsonPath("$.reason").isEqualTo("INSUFFICIENT_FUNDS")
                .jsonPath("$.detail").isEqualTo("available 0, needed 3");
    }

    @Test
    void accountsShowWhatIsAvailable() {
        UUID agent = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("insert into agents (id, name, status, created_at, updated_at) values (?, 'Barbara', 'ACTIVE', ?, ?)")
                .params(agent, now, now).update();
        jdbc.sql("""
                insert into accounts (id, agent_id, balance, pending_debits, created_at, updated_at)
                values (?, ?, 100, 30, ?, ?)""").params(agent, agent, now, now).update();

        http.get().uri("/accounts/{id}", agent).exchange()
                .expectStatus().isOk()
                .expectBody().json("""
                        {"accountId":"%s","balance":100,"pendingDebits":30,"available":70}""".formatted(agent));
        http.get().uri("/accounts/{id}", Accounts.TREASURY).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.balance").isEqualTo(0);
        http.get().uri("/agents/{id}", agent).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.agentId").isEqualTo(agent.toString())
                .jsonPath("$.name").isEqualTo("Barbara")
                .jsonPath("$.status").isEqualTo("ACTIVE");
    }

    @Test
    void unknownOrMalformedIdsAreProblems() {
        http.get().uri("/accounts/{id}", UUID.randomUUID()).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404);
        http.get().uri("/agents/{id}", UUID.randomUUID()).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/commands/not-a-uuid").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    // ------------------------------------------------------------------ helpers

    private ResponseSpec post(String path, String body, String actor, String idempotencyKey) {
        return http.post().uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    if (actor != null) {
                        headers.set("X-Actor", actor);
                    }
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .body(body)
                .exchange();
    }

    private static UUID accepted(ResponseSpec response) {
        JsonNode body = response.expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID commandId = UUID.fromString(body.get("commandId").asString());
        response.expectHeader().location("/commands/" + commandId);
        return commandId;
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private void processed(UUID commandId, String type, String outcome, String reason, String detail, Instant at) {
        jdbc.sql("""
                insert into processed_commands
                  (command_id, command_type, fingerprint, outcome, reason, detail, topic, partition, kafka_offset, processed_at)
                values (?, ?, 'test', ?, ?, ?, 'test', 0, 0, ?)""")
                .params(commandId, type, outcome, reason, detail, at.atOffset(ZoneOffset.UTC))
                .update();
    }
}
