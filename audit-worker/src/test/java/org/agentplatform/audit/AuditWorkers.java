package org.agentplatform.audit;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Starts audit workers as the local stack does, and reads their audit log and its verification. */
public final class AuditWorkers {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AuditWorkers() {
    }

    /** Starts a worker; command-line arguments, because builder properties would lose to audit-worker.yml. */
    public static ConfigurableApplicationContext start(TestEnvironment env, String... extra) {
        return start(env, List.of(), extra);
    }

    /** As {@link #start(TestEnvironment, String...)}, with further configuration classes (fault injection). */
    public static ConfigurableApplicationContext start(TestEnvironment env, List<Class<?>> sources, String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--platform.audit.restart-backoff=200ms",
                "--management.endpoints.web.exposure.include=health,metrics"));
        args.addAll(List.of(extra));
        var builder = AuditWorkerApplication.application();
        if (!sources.isEmpty()) {
            builder.sources(sources.toArray(Class<?>[]::new));
        }
        return builder.run(env.commandLineArgs(args.toArray(String[]::new)));
    }

    public static ConfigurableApplicationContext startRunning(TestEnvironment env, String... extra) {
        ConfigurableApplicationContext context = start(env, extra);
        // the engine's state as its health reports it
        HealthIndicator cdc = context.getBean("cdcHealthIndicator", HealthIndicator.class);
        await().atMost(Duration.ofSeconds(60)).until(() -> "RUNNING".equals(String.valueOf(cdc.health().getDetails().get("state"))));
        return context;
    }

    /** The response of {@code GET /audit/verify}: status and body. */
    public record Verification(int status, JsonNode report) {
        public boolean ok() {
            return status == 200;
        }
    }

    public static Verification verify(ConfigurableApplicationContext context) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/audit/verify"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Verification(response.statusCode(), JSON.readTree(response.body()));
    }

    public static String get(ConfigurableApplicationContext context, String path) throws Exception {
        String port = context.getEnvironment().getProperty("local.server.port");
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    public static DataSource superuser(TestEnvironment env) {
        return TestServers.postgres().dataSource(env.databaseName());
    }

    public static long logCount(TestEnvironment env) {
        return JdbcClient.create(superuser(env)).sql("select count(*) from audit_log").query(Long.class).single();
    }

    /**
     * Rows of the audited tables right now; taken after the migrations and before a test writes, it is the
     * number of SNAPSHOT entries to expect (migrations of other modules may seed system rows).
     */
    public static long auditedRows(TestEnvironment env) {
        return JdbcClient.create(superuser(env)).sql(
                "select (select count(*) from agents) + (select count(*) from accounts) + (select count(*) from transfers)")
                .query(Long.class).single();
    }

    /** Log entries of one PostgreSQL transaction. */
    public static long logCountOfTx(TestEnvironment env, long txId) {
        return JdbcClient.create(superuser(env))
                .sql("select count(*) from audit_log where (change::jsonb ->> 'txId')::bigint = ?")
                .param(txId).query(Long.class).single();
    }
}
