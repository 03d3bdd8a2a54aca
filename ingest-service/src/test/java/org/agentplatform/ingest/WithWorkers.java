package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.jobs.JobWorkerApplication;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.micrometer.core.instrument.MeterRegistry;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Ingest with the real ledger and job workers behind it, on one environment for every subclass (so they share
 * the Spring context and the workers): the paths whose answer depends on an outcome (registration) and the
 * tests that follow commands to their end. The workers are started once per JVM and stopped by their shutdown
 * hooks, which the embedded servers wait for.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=ingest-service",
        "ingest.security.admin-key=" + WithWorkers.ADMIN,
        "ingest.rate-limit.enabled=false",
        "ingest.registration.timeout=20s",
        "logging.level.org.apache.kafka=WARN" })
abstract class WithWorkers {

    static final String ADMIN = "test-admin-key-0123456789abcdef";
    static final TestEnvironment env = TestServers.newEnvironment();
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static List<ConfigurableApplicationContext> workers;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @BeforeAll
    static synchronized void startWorkers() {
        if (workers != null) {
            return;
        }
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
        workers = new ArrayList<>();
        workers.add(LedgerWorkerApplication.application().run(env.commandLineArgs("--server.port=0",
                "--spring.main.banner-mode=off", "--logging.level.org.apache.kafka=WARN")));
        workers.add(JobWorkerApplication.application().run(env.commandLineArgs("--server.port=0",
                "--spring.main.banner-mode=off", "--logging.level.org.apache.kafka=WARN")));
    }

    /** The ledger worker's meters (shared by every subclass: counts include the other classes' work). */
    static MeterRegistry ledgerMeters() {
        return workers.get(0).getBean(MeterRegistry.class);
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    /** An answer: status, headers and the body as JSON (null if none or not JSON). */
    record Answer(int status, Map<String, List<String>> headers, String text) {

        JsonNode json() {
            try {
                return text.isEmpty() ? null : JSON.readTree(text);
            } catch (RuntimeException notJson) {
                return null;
            }
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        UUID commandId() {
            return UUID.fromString(json().get("commandId").asString());
        }
    }

    Answer send(String method, String path, String key, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Answer get(String path, String key) {
        return send("GET", path, key, null);
    }

    Answer post(String path, String key, String body, String... headers) {
        return send("POST", path, key, body, headers);
    }

    /** An agent registered through the API and the real ledger, with the key the 201 carried. */
    record Agent(UUID id, String key) {
    }

    Agent register(String name) {
        UUID id = UUID.randomUUID();
        Answer answer = post("/agents", ADMIN, "{\"agentId\":\"%s\",\"name\":\"%s\"}".formatted(id, name));
        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        return new Agent(id, answer.json().get("apiKey").asString());
    }
}
