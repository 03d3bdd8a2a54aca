package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * Without a broker a command is refused promptly with 503 and Retry-After: never a 202, never a hang.
 * Without a database, reads are 503 too. Nothing listens on port 1.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=ingest-service",
        "spring.kafka.bootstrap-servers=127.0.0.1:1",
        "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/agent_platform",
        "spring.datasource.hikari.connection-timeout=1000",
        "ingest.publishing.timeout=1s",
        "ingest.publishing.retry-after=7s",
        // topic creation at startup would only wait for its own timeout
        "spring.kafka.admin.auto-create=false",
        "ingest.security.admin-key=" + DependenciesUnavailableIntegrationTest.ADMIN })
class DependenciesUnavailableIntegrationTest {

    static final String ADMIN = "test-admin-key-0123456789abcdef";

    @LocalServerPort
    int port;

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    /** KafkaOutageIntegrationTest has the broker down and the database up: a 503 that names the command id. */
    @Test
    void aCommandThatCannotBeRecordedNorPublishedIsA503WithRetryAfter() {
        long start = System.nanoTime();

        // without Idempotency-Key the admin key is checked without the database; the command's issuer is then
        // recorded before it is published, and that finds the database down
        http.post().uri("/karma/grants")
                .contentType(MediaType.APPLICATION_JSON)
                .headers(h -> h.setBearerAuth(ADMIN))
                .body("{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}")
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(503);

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void withoutTheDatabaseIdempotencyKeysAndAgentKeysCannotBeCheckedA503() {
        http.post().uri("/karma/grants")
                .contentType(MediaType.APPLICATION_JSON)
                .headers(h -> h.setBearerAuth(ADMIN))
                .header("Idempotency-Key", "k-1")
                .body("{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}")
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.get().uri("/commands/{id}", UUID.randomUUID())
                .headers(h -> h.setBearerAuth("ak_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void aReadWithoutTheDatabaseIsA503() {
        http.get().uri("/commands/{id}", UUID.randomUUID())
                .headers(h -> h.setBearerAuth(ADMIN))
                .exchange()
                .expectStatus().isEqualTo(503)
                .expectHeader().exists(HttpHeaders.RETRY_AFTER)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }
}
