package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.agentplatform.embedded.KafkaServer;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.messaging.Topics;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

import tools.jackson.databind.JsonNode;

/**
 * The broker stops while requests arrive and comes back on the same address and log directory: requests are
 * refused with 503 and Retry-After while it is gone, a retry with the same Idempotency-Key succeeds once it
 * is back, and every command is on its topic exactly once. This class has its own broker (the shared one
 * cannot be stopped) and a small rate limit, tested here because it needs its own configuration anyway.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=ingest-service",
        "ingest.security.admin-key=" + KafkaOutageIntegrationTest.ADMIN,
        "ingest.publishing.timeout=2s",
        "ingest.publishing.retry-after=3s",
        "ingest.rate-limit.capacity=30",
        "ingest.rate-limit.refill-per-second=0.5",
        // no ledger here: a registration answers at once, and the test writes the agent's row
        "ingest.registration.timeout=0s" })
class KafkaOutageIntegrationTest {

    static final String ADMIN = "test-admin-key-0123456789abcdef";

    static final TestEnvironment env = TestServers.newEnvironment();
    static final Topics topics = new Topics(env.topicPrefix());
    static final Path logDirectory;
    static final int port;
    static KafkaServer broker;

    static {
        try {
            logDirectory = Files.createTempDirectory("ingest-outage-kafka");
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        broker = KafkaServer.start(logDirectory, port);
    }

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
        registry.add("spring.kafka.bootstrap-servers", () -> broker.bootstrapServers());
    }

    @BeforeAll
    static void schema() {
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
    }

    @AfterAll
    static void stopBroker() throws IOException {
        broker.close();
        try (var files = Files.walk(logDirectory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @LocalServerPort
    int serverPort;

    @Autowired
    JdbcClient jdbc;

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + serverPort)
                .build();
    }

    @Test
    void whileTheBrokerIsDownCommandsAre503AndRetriesSucceedOnceItIsBackPublishingEachOnce() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add("outage-" + i + "-" + UUID.randomUUID());
        }
        List<String> bodies = keys.stream().map(k -> "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":9}").toList();

        broker.close();
        // requests arriving together while the broker is gone: each one 503, none hangs
        List<CompletableFuture<EntityExchangeResult<JsonNode>>> down = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            int n = i;
            down.add(CompletableFuture.supplyAsync(() -> grant(bodies.get(n), keys.get(n))));
        }
        List<UUID> refusedIds = new ArrayList<>();
        for (CompletableFuture<EntityExchangeResult<JsonNode>> future : down) {
            EntityExchangeResult<JsonNode> result = future.get();
            assertThat(result.getStatus().value()).isEqualTo(503);
            assertThat(result.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("3");
            assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            refusedIds.add(UUID.fromString(result.getResponseBody().get("commandId").asString()));
        }

        broker = KafkaServer.start(logDirectory, port);

        // the client retries with the same key until the producer has reconnected
        List<UUID> acceptedIds = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            int n = i;
            AtomicReference<EntityExchangeResult<JsonNode>> last = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                last.set(grant(bodies.get(n), keys.get(n)));
                return last.get().getStatus().value() == 202;
            });
            acceptedIds.add(UUID.fromString(last.get().getResponseBody().get("commandId").asString()));
            // and a retry after the success is the original answer, without publishing
            EntityExchangeResult<JsonNode> replay = grant(bodies.get(n), keys.get(n));
            assertThat(replay.getStatus().value()).isEqualTo(202);
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(replay.getResponseBody().get("commandId").asString()).isEqualTo(acceptedIds.get(n).toString());
        }
        assertThat(acceptedIds).isEqualTo(refusedIds);

        try (TopicSnapshot karma = new TopicSnapshot(broker.bootstrapServers(), topics.karmaCommands())) {
            for (UUID commandId : acceptedIds) {
                assertThat(karma.recordsOf(commandId)).hasSize(1);
            }
        }
    }

    @Test
    void aCallerOverItsRateIsA429WithRetryAfterWhileOthersGoOn() {
        UUID agent = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("insert into agents (id, name, status, created_at, updated_at) values (?, 'chatty', 'ACTIVE', ?, ?)")
                .params(agent, now, now).update();
        JsonNode created = http.post().uri("/agents/{id}/keys", agent).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String key = created.get("apiKey").asString();

        EntityExchangeResult<byte[]> limited = null;
        for (int i = 0; i < 100 && limited == null; i++) {
            EntityExchangeResult<byte[]> result = http.get().uri("/commands/{id}", UUID.randomUUID())
                    .headers(h -> h.setBearerAuth(key)).exchange().expectBody().returnResult();
            if (result.getStatus().value() == 429) {
                limited = result;
            } else {
                assertThat(result.getStatus().value()).isEqualTo(404); // nobody's command: no such command
            }
        }
        assertThat(limited).as("a 429 within 100 requests at a burst of 30").isNotNull();
        assertThat(Long.parseLong(limited.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(1L, 2L);
        assertThat(limited.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        // the limit is per caller
        http.get().uri("/commands/{id}", UUID.randomUUID()).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isNotFound();
    }

    private EntityExchangeResult<JsonNode> grant(String body, String idempotencyKey) {
        return http.post().uri("/karma/grants")
                .contentType(MediaType.APPLICATION_JSON)
                .headers(h -> {
                    h.setBearerAuth(ADMIN);
                    h.set("Idempotency-Key", idempotencyKey);
                })
                .body(body)
                .exchange()
                .expectBody(JsonNode.class)
                .returnResult();
    }
}
