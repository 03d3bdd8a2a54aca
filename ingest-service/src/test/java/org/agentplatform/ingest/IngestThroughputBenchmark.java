package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import org.agentplatform.embedded.CpuUsage;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.json.JsonMapper;

/**
 * Accepted commands per second on one ingest instance against the local broker: closed loop, N agents
 * each sending transfers from its own account with an Idempotency-Key (the full path: key check,
 * idempotency row, publish with acks=all, stored answer). Only with {@code -Dbenchmark=true}:
 * {@code ./mvnw -B -q -pl ingest-service -am test -Dtest=IngestThroughputBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true [-Dbenchmark.requests=20000] [-Dbenchmark.warmup=20000]
 * [-Dbenchmark.clients=32]}. It prints accepted commands/s and the CPU per command of the JVM without the clients'
 * threads (the broker is in it too) and of PostgreSQL.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=ingest-service",
        "ingest.security.admin-key=" + IngestThroughputBenchmark.ADMIN,
        "ingest.rate-limit.enabled=false",
        "logging.level.root=WARN" })
class IngestThroughputBenchmark {

    static final String ADMIN = "bench-admin-key-0123456789abcdef";
    static final TestEnvironment env = TestServers.newEnvironment();
    static final int CLIENTS = Integer.getInteger("benchmark.clients", 32);
    static final int REQUESTS = Integer.getInteger("benchmark.requests", 20_000);
    /** Requests before the measured ones: with a few thousand, the JIT compiler is still busy during the measurement. */
    static final int WARMUP = Integer.getInteger("benchmark.warmup", 20_000);
    /** {@code -Dbenchmark.idempotency=false}: without Idempotency-Key (no idempotency row, one database round trip less). */
    static final boolean IDEMPOTENCY = !"false".equals(System.getProperty("benchmark.idempotency"));

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
    }

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Test
    void acceptedCommandsPerSecond() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        JsonMapper json = JsonMapper.builder().build();
        List<String[]> agents = new ArrayList<>();
        // no ledger here: each agent's row is written as the ledger would, then a key is minted for it
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        for (int i = 0; i < CLIENTS; i++) {
            UUID agent = UUID.randomUUID();
            jdbc.sql("insert into agents (id, name, status, created_at, updated_at) values (?, ?, 'ACTIVE', ?, ?)")
                    .params(agent, "bench-" + i, now, now).update();
            String body = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/agents/" + agent + "/keys"))
                    .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            agents.add(new String[] { agent.toString(), json.readTree(body).get("apiKey").asString() });
        }
        // warm-up, then the measured run
        run(http, agents, WARMUP);
        long sessionsBefore = sessions();
        CpuUsage cpuBefore = CpuUsage.take();
        long start = System.nanoTime();
        long accepted = run(http, agents, REQUESTS);
        long wall = System.nanoTime() - start;
        CpuUsage.Interval cpu = CpuUsage.take().since(cpuBefore);
        double seconds = wall / 1e9;
        System.out.printf("BENCHMARK ingest: %d of %d commands accepted (202) in %.2f s = %.0f commands/s with %d clients,"
                + " idempotency keys %s, on %d cores%n", accepted, REQUESTS, seconds, accepted / seconds, CLIENTS,
                IDEMPOTENCY ? "on" : "off", Runtime.getRuntime().availableProcessors());
        // this JVM also runs the clients and the broker: the ingest's share is the JVM without the client threads
        long clients = cpu.threadsMatching(group -> group.startsWith("pool-") || group.startsWith("HttpClient-"));
        long ingest = cpu.jvmNanos() - clients;
        System.out.printf("BENCHMARK ingest cpu: %d core-us/command for the JVM without the HTTP clients (broker "
                        + "included), %s for PostgreSQL; %d core-us/command of the clients (left out)%n%s%n",
                ingest / 1000 / accepted, cpu.postgresNanos() < 0 ? "?" : cpu.postgresNanos() / 1000 / accepted + "",
                clients / 1000 / accepted, cpu.describe(accepted, "command", wall));
        // a pool that keeps opening connections costs PostgreSQL a backend start each
        System.out.printf("BENCHMARK ingest: %d PostgreSQL sessions opened during the measured run%n",
                sessions() - sessionsBefore);
        assertThat(accepted).isEqualTo(REQUESTS);
    }

    private long sessions() {
        return jdbc.sql("select sessions from pg_stat_database where datname = current_database()").query(Long.class).single();
    }

    private long run(HttpClient http, List<String[]> agents, int requests) throws Exception {
        AtomicLong accepted = new AtomicLong();
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(agents.size());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (String[] agent : agents) {
                futures.add(pool.submit(() -> {
                    while (next.getAndIncrement() < requests) {
                        String body = "{\"debitAccountId\":\"" + agent[0] + "\",\"creditAccountId\":\"" + UUID.randomUUID()
                                + "\",\"amount\":1}";
                        HttpResponse<Void> response = http.send(request("/karma/transfers", agent[1], body,
                                IDEMPOTENCY ? UUID.randomUUID().toString() : null), HttpResponse.BodyHandlers.discarding());
                        if (response.statusCode() == 202) {
                            accepted.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        return accepted.get();
    }

    private HttpRequest request(String path, String key, String body, String idempotencyKey) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return builder.build();
    }
}
