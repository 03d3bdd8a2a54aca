package org.agentplatform.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.agentplatform.audit.AuditWorkerApplication;
import org.agentplatform.embedded.KafkaServer;
import org.agentplatform.embedded.PostgresServer;
import org.agentplatform.ingest.IngestServiceApplication;
import org.agentplatform.jobs.JobWorkerApplication;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole system in this JVM, started the way local-stack starts it (audit worker first: it migrates and
 * creates the replication slot; the HTTP entry point last), on free ports, with what the benchmark needs on top:
 * an admin key for the ingest service and quiet logs. local-stack's own class is not reused because its jar is
 * repackaged by Spring Boot and cannot be a dependency.
 */
final class BenchStack implements AutoCloseable {

    static final String DATABASE = "agent_platform";

    private final PostgresServer postgres;
    private final KafkaServer kafka;
    private final String adminKey;
    private final int httpPort;
    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();

    private BenchStack(PostgresServer postgres, KafkaServer kafka, String adminKey, int httpPort) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.adminKey = adminKey;
        this.httpPort = httpPort;
    }

    static BenchStack start(Path dataDir, String adminKey) {
        PostgresServer postgres = PostgresServer.start(dataDir.resolve("postgres"), 0);
        KafkaServer kafka;
        try {
            postgres.createDatabase(DATABASE);
            kafka = KafkaServer.start(dataDir.resolve("kafka"), 0);
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
        BenchStack stack = new BenchStack(postgres, kafka, adminKey, freePort());
        try {
            Map<String, Object> common = commonArgs(postgres.jdbcUrl(DATABASE), kafka.bootstrapServers(), postgres.username());
            stack.run(AuditWorkerApplication::application, common, Map.of(), 0);
            stack.run(LedgerWorkerApplication::application, common, Map.of(), 0);
            stack.run(JobWorkerApplication::application, common, Map.of(), 0);
            stack.run(IngestServiceApplication::application, common,
                    Map.of("ingest.security.admin-key", adminKey), stack.httpPort);
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    static Map<String, Object> commonArgs(String jdbcUrl, String bootstrap, String user) {
        Map<String, Object> common = new LinkedHashMap<>();
        common.put("spring.datasource.url", jdbcUrl);
        common.put("spring.datasource.username", user);
        common.put("spring.datasource.password", "");
        common.put("spring.kafka.bootstrap-servers", bootstrap);
        common.put("spring.main.register-shutdown-hook", false);
        common.put("spring.main.banner-mode", "off");
        common.put("logging.register-shutdown-hook", false);
        common.put("logging.level.root", "WARN");
        common.put("logging.level.io.debezium.metrics", "ERROR");
        return common;
    }

    private void run(Supplier<SpringApplicationBuilder> app, Map<String, Object> common, Map<String, Object> extra, int port) {
        apps.add(app.get().run(args(common, extra, port)));
    }

    static String[] args(Map<String, Object> common, Map<String, Object> extra, int port) {
        List<String> args = new ArrayList<>();
        common.forEach((k, v) -> args.add("--" + k + "=" + v));
        extra.forEach((k, v) -> args.add("--" + k + "=" + v));
        args.add("--server.port=" + port);
        return args.toArray(String[]::new);
    }

    static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    PostgresServer postgres() {
        return postgres;
    }

    KafkaServer kafka() {
        return kafka;
    }

    String adminKey() {
        return adminKey;
    }

    String ingestUrl() {
        return "http://localhost:" + httpPort;
    }

    @Override
    public synchronized void close() {
        List<ConfigurableApplicationContext> reversed = new ArrayList<>(apps);
        Collections.reverse(reversed);
        for (ConfigurableApplicationContext app : reversed) {
            try {
                app.close();
            } catch (RuntimeException e) {
                System.err.println("Failed to stop " + app.getId() + ": " + e);
            }
        }
        apps.clear();
        kafka.close();
        postgres.close();
    }
}
