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
import org.agentplatform.embedded.TopicTail;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.jupiter.api.extension.TestInstancePreDestroyCallback;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every server-backed test of the module shares. Each test instance gets an environment of its own on the
 * JVM's one PostgreSQL and one Kafka ({@link TestServers}): a new database and topic prefix, with the event topic
 * the ledger's outbox publishes to (the event topics belong to their writers; the worker creates
 * {@code audit.changes} itself). Workers are started as the local stack starts them. When JUnit is done with the
 * instance, the workers and topic readers it opened are closed, in the order they were opened.
 *
 * <p>An instance lives for one test, or for the whole class under {@code @TestInstance(PER_CLASS)} (tests that
 * share one worker). JUnit creates an instance for a disabled test method too: put a condition that keeps a test
 * from running (a benchmark's) on its class, so that no environment is made for nothing.
 */
@ExtendWith(AuditWorkerIntegrationTest.Lifecycle.class)
public abstract class AuditWorkerIntegrationTest {

    private static final AuditChangeCodec AUDIT_CODEC = new AuditChangeCodec();

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** This test's database and topic prefix. */
    protected TestEnvironment env;

    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Makes the environment when JUnit has made the test instance, and closes what it opened when done with it. */
    static final class Lifecycle implements TestInstancePostProcessor, TestInstancePreDestroyCallback {

        @Override
        public void postProcessTestInstance(Object instance, ExtensionContext context) {
            AuditWorkerIntegrationTest test = (AuditWorkerIntegrationTest) instance;
            test.env = TestServers.newEnvironment();
            TestServers.kafka().createTopics(3, test.env.topic("events.karma"));
        }

        @Override
        public void preDestroyTestInstance(ExtensionContext context) throws Exception {
            for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
                if (instance instanceof AuditWorkerIntegrationTest test) {
                    test.closeOpened();
                }
            }
        }
    }

    private void closeOpened() throws Exception {
        Exception failure = null;
        for (AutoCloseable resource : opened) {
            try {
                resource.close(); // a context the test closed itself closes again as a no-op
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        opened.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** Starts a worker; command-line arguments, because builder properties would lose to audit-worker.yml. */
    protected ConfigurableApplicationContext start(String... extra) {
        return start(List.of(), extra);
    }

    /** As {@link #start(String...)}, with further configuration classes (fault injection). */
    protected ConfigurableApplicationContext start(List<Class<?>> sources, String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--platform.audit.restart-backoff=200ms",
                "--management.endpoints.web.exposure.include=health,metrics"));
        args.addAll(List.of(extra));
        var builder = AuditWorkerApplication.application();
        if (!sources.isEmpty()) {
            builder.sources(sources.toArray(Class<?>[]::new));
        }
        ConfigurableApplicationContext context = builder.run(env.commandLineArgs(args.toArray(String[]::new)));
        opened.add(context);
        return context;
    }

    /** Starts a worker and waits until its engine runs, as its health reports it. */
    protected ConfigurableApplicationContext startRunning(String... extra) {
        return awaitRunning(start(extra));
    }

    /** As {@link #startRunning(String...)}, with further configuration classes (fault injection). */
    protected ConfigurableApplicationContext startRunning(List<Class<?>> sources, String... extra) {
        return awaitRunning(start(sources, extra));
    }

    private static ConfigurableApplicationContext awaitRunning(ConfigurableApplicationContext context) {
        HealthIndicator cdc = context.getBean("cdcHealthIndicator", HealthIndicator.class);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "RUNNING".equals(String.valueOf(cdc.health().getDetails().get("state"))));
        return context;
    }

    /** A reader of these topics (full names: {@code env.topic(name)}) from their beginning. */
    protected TopicTail reader(String... topics) {
        TopicTail reader = new TopicTail(env.bootstrapServers(), topics);
        opened.add(reader);
        return reader;
    }

    /** The audit changes {@code tail} read on {@code topic}, decoded. */
    protected static List<AuditChange> auditChanges(TopicTail tail, String topic) {
        return tail.records(topic).stream().map(r -> AUDIT_CODEC.decode(r.value())).toList();
    }

    /** Applies the migrations, for a test that runs no worker. */
    protected void migrate() {
        Flyway.configure().dataSource(superuser()).load().migrate();
    }

    /** The response of {@code GET /audit/verify}: status and body. */
    protected record Verification(int status, JsonNode report) {
        public boolean ok() {
            return status == 200;
        }
    }

    protected static Verification verify(ConfigurableApplicationContext context) throws Exception {
        HttpResponse<String> response = HTTP.send(request(context, "/audit/verify"), HttpResponse.BodyHandlers.ofString());
        return new Verification(response.statusCode(), JSON.readTree(response.body()));
    }

    protected static String get(ConfigurableApplicationContext context, String path) throws Exception {
        return HTTP.send(request(context, path), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The HTTP status of {@code GET path}. */
    protected static int status(ConfigurableApplicationContext context, String path) throws Exception {
        return HTTP.send(request(context, path), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpRequest request(ConfigurableApplicationContext context, String path) {
        String port = context.getEnvironment().getProperty("local.server.port");
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build();
    }

    /** This test's database, as superuser. */
    protected DataSource superuser() {
        return TestServers.postgres().dataSource(env.databaseName());
    }

    protected long logCount() {
        return JdbcClient.create(superuser()).sql("select count(*) from audit_log").query(Long.class).single();
    }

    /**
     * Rows of the audited tables right now; taken after the migrations and before a test writes, it is the
     * number of SNAPSHOT entries to expect (migrations of other modules may seed system rows).
     */
    protected long auditedRows() {
        return JdbcClient.create(superuser()).sql(
                "select (select count(*) from agents) + (select count(*) from accounts) + (select count(*) from transfers)")
                .query(Long.class).single();
    }

    /** Log entries of one PostgreSQL transaction. */
    protected long logCountOfTx(long txId) {
        return JdbcClient.create(superuser())
                .sql("select count(*) from audit_log where (change::jsonb ->> 'txId')::bigint = ?")
                .param(txId).query(Long.class).single();
    }
}
