package org.agentplatform.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import org.agentplatform.audit.AuditWorkerApplication;
import org.agentplatform.embedded.KafkaServer;
import org.agentplatform.embedded.PostgresServer;
import org.agentplatform.ingest.IngestServiceApplication;
import org.agentplatform.jobs.JobWorkerApplication;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole system on its embedded default, in one JVM: a real PostgreSQL 16 (logical replication on),
 * a real KRaft Kafka broker, then the audit worker, the ledger and job workers and the ingest service,
 * each in its own Spring context. Data is kept in a directory between runs; Ctrl-C stops everything in
 * reverse order.
 *
 * <p>Options (system properties or {@code --name=value} arguments): {@code data-dir} (.stack-data),
 * {@code http-port} (8080), {@code kafka-port} (9092), {@code postgres-port} (5432).
 */
public final class LocalStack implements AutoCloseable {

    public static final String DATABASE = "agent_platform";

    private static final Duration CONSUMERS_JOIN_TIMEOUT = Duration.ofMinutes(2);

    /** Spring Boot's security auto-configuration, which comes with ingest-service's dependencies. */
    private static final List<String> INGEST_ONLY_AUTO_CONFIGURATIONS = List.of(
            "org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration",
            "org.springframework.boot.security.autoconfigure.actuate.web.servlet.ManagementWebSecurityAutoConfiguration");

    private final PostgresServer postgres;
    private final @Nullable PostgresServer replica;
    private final KafkaServer kafka;
    private final String adminKey;
    private final List<ConfigurableApplicationContext> apps = new ArrayList<>();

    private LocalStack(PostgresServer postgres, @Nullable PostgresServer replica, KafkaServer kafka, String adminKey) {
        this.postgres = postgres;
        this.replica = replica;
        this.kafka = kafka;
        this.adminKey = adminKey;
    }

    public static void main(String[] args) {
        Options options = Options.parse(args);
        LocalStack stack = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "local-stack-shutdown"));
        System.out.printf("""

                Agent platform is up.
                  HTTP API        http://localhost:%d   (e.g. curl -s localhost:%d/actuator/health)
                  Console         http://localhost:%d/console   (log in with the admin key)
                  Kafka bootstrap 127.0.0.1:%d
                  PostgreSQL      %s (user postgres)
                  Read replica    %s
                  Data directory  %s
                  Admin API key   %s
                                  (kept in the data directory; register agents with it:
                                   curl -s -XPOST localhost:%d/agents -H 'Authorization: Bearer <admin key>' \\
                                        -H 'Content-Type: application/json' -d '{"name":"alice"}')
                Press Ctrl-C to stop.
                %n""", options.httpPort(), options.httpPort(), options.httpPort(), options.kafkaPort(),
                stack.postgres.jdbcUrl(DATABASE),
                stack.replica == null ? "none (--read-replica=false)" : stack.replica.jdbcUrl(DATABASE)
                        + " (streaming standby, temporary; the read endpoints use it)",
                options.dataDir().toAbsolutePath(), stack.adminKey, options.httpPort());
    }

    public static LocalStack start(Options options) {
        return start(options, Map.of());
    }

    /** With {@code properties} given to every app on top of the stack's own (logging levels, tuning). */
    public static LocalStack start(Options options, Map<String, Object> properties) {
        PostgresServer postgres = PostgresServer.start(options.dataDir().resolve("postgres"), options.postgresPort());
        KafkaServer kafka;
        PostgresServer replica = null;
        try {
            postgres.createDatabase(DATABASE);
            // a fresh base backup at every start: the standby's data is the primary's, nothing to keep
            replica = options.readReplica() ? postgres.startStandby() : null;
            kafka = KafkaServer.start(options.dataDir().resolve("kafka"), options.kafkaPort());
        } catch (RuntimeException e) {
            if (replica != null) {
                replica.close();
            }
            postgres.close();
            throw e;
        }
        LocalStack stack = new LocalStack(postgres, replica, kafka, AdminKey.loadOrCreate(options.dataDir()));
        try {
            Map<String, Object> common = new HashMap<>();
            common.put("spring.datasource.url", postgres.jdbcUrl(DATABASE));
            common.put("spring.datasource.username", postgres.username());
            common.put("spring.datasource.password", "");
            common.put("spring.kafka.bootstrap-servers", kafka.bootstrapServers());
            common.putAll(properties);
            stack.apps.addAll(startServices(common, options.httpPort(), stack.adminKey,
                    replica == null ? null : replica.jdbcUrl(DATABASE)));
            awaitConsumersJoined(stack.apps, CONSUMERS_JOIN_TIMEOUT);
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /**
     * The four services in this JVM, each in its own Spring context, on the servers {@code common} names: the audit
     * worker on {@code httpPort} + 3, the ledger worker + 2, the job worker + 4, the ingest service on
     * {@code httpPort}. This is how the local run deploys them, and the benchmark's combined deployment. The caller
     * closes them, in reverse order; if one fails to start, those already started are closed.
     */
    public static List<ConfigurableApplicationContext> startServices(Map<String, Object> common, int httpPort,
                                                                     String adminKey, @Nullable String replicaUrl) {
        Map<String, Object> all = new HashMap<>();
        all.put("spring.main.register-shutdown-hook", false); // the caller closes them in order
        all.put("spring.main.banner-mode", "off");
        // One JVM, one logging system: keep it up until the stack has closed, and do not label every
        // line with the name of whichever app configured logging first.
        all.put("logging.register-shutdown-hook", false);
        all.put("logging.include-application-name", false);
        all.putAll(common);
        List<ConfigurableApplicationContext> apps = new ArrayList<>();
        try {
            // The audit worker first: it migrates the schema and creates the replication slot, so no outbox
            // row is written before CDC captures the WAL. Then the workers; the HTTP entry point last.
            // Spring Security is on this classpath for ingest only: the workers, deployed on their own, have none
            Map<String, Object> workers = new HashMap<>(all);
            workers.put("spring.autoconfigure.exclude", String.join(",", INGEST_ONLY_AUTO_CONFIGURATIONS));
            apps.add(run(AuditWorkerApplication::application, workers, httpPort + 3));
            apps.add(run(LedgerWorkerApplication::application, workers, httpPort + 2));
            apps.add(run(JobWorkerApplication::application, workers, httpPort + 4));
            Map<String, Object> ingest = new HashMap<>(all);
            ingest.put("ingest.security.admin-key", adminKey);
            if (replicaUrl != null) {
                ingest.put("ingest.read-replica.url", replicaUrl);
            }
            // the console shows the audit worker's verification
            ingest.put("ingest.console.audit-url", "http://localhost:" + (httpPort + 3));
            apps.add(run(IngestServiceApplication::application, ingest, httpPort));
            return apps;
        } catch (RuntimeException e) {
            close(apps);
            throw e;
        }
    }

    /**
     * Returns once every worker's command consumers have joined their groups, so that "up" means commands are
     * applied, not only accepted (after a crash the group may first wait out the old members' session timeout).
     */
    private static void awaitConsumersJoined(List<ConfigurableApplicationContext> apps, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ConfigurableApplicationContext app : apps) {
            HealthIndicator consumers = app.getBeansOfType(HealthIndicator.class).get("commandConsumersHealthIndicator");
            // HealthIndicator may answer null; CommandConsumersHealthIndicator always builds a Health
            while (consumers != null
                    && !Status.UP.equals(Objects.requireNonNull(consumers.health(), "health").getStatus())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(app.getId() + ": command consumers did not join their group within "
                            + timeout + ": " + consumers.health().getDetails());
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the consumers", e);
                }
            }
        }
    }

    private static ConfigurableApplicationContext run(Supplier<SpringApplicationBuilder> app, Map<String, Object> common,
                                                      int port) {
        // Arguments, not default properties: they must outrank each application's own yml.
        List<String> args = new ArrayList<>();
        common.forEach((key, value) -> args.add("--" + key + "=" + value));
        args.add("--server.port=" + port);
        return app.get().run(args.toArray(String[]::new));
    }

    /** Closes {@code apps} in reverse order of their start. */
    public static void close(List<ConfigurableApplicationContext> apps) {
        List<ConfigurableApplicationContext> reversed = new ArrayList<>(apps);
        Collections.reverse(reversed);
        for (ConfigurableApplicationContext app : reversed) {
            try {
                app.close();
            } catch (RuntimeException e) {
                System.err.println("Failed to stop " + app.getId() + ": " + e);
            }
        }
    }

    public PostgresServer postgres() {
        return postgres;
    }

    /** The streaming standby the read endpoints use, if the stack was started with one. */
    public Optional<PostgresServer> replica() {
        return Optional.ofNullable(replica);
    }

    public KafkaServer kafka() {
        return kafka;
    }

    /** The key that registers agents and issues admin commands over HTTP. */
    public String adminKey() {
        return adminKey;
    }

    @Override
    public synchronized void close() {
        close(apps);
        apps.clear();
        kafka.close();
        if (replica != null) {
            replica.close(); // before the primary, so that its slot is dropped there
        }
        postgres.close();
        System.out.println("Agent platform stopped.");
    }

    /** Where the stack listens and keeps its data. */
    public record Options(Path dataDir, int httpPort, int kafkaPort, int postgresPort, boolean readReplica) {

        /** With a read replica. */
        public Options(Path dataDir, int httpPort, int kafkaPort, int postgresPort) {
            this(dataDir, httpPort, kafkaPort, postgresPort, true);
        }

        /** A stack on free ports: HTTP and the workers' ports next to it, Kafka and PostgreSQL anywhere. */
        public static Options onFreePorts(Path dataDir) {
            return new Options(dataDir, freePortBlock(5), 0, 0);
        }

        /** The first of {@code size} consecutive free ports (the apps sit next to the HTTP port). */
        private static int freePortBlock(int size) {
            for (int attempt = 0; attempt < 100; attempt++) {
                int first = java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000, 40_000);
                if (allFree(first, size)) {
                    return first;
                }
            }
            throw new IllegalStateException("no block of " + size + " free ports");
        }

        private static boolean allFree(int first, int size) {
            for (int port = first; port < first + size; port++) {
                try (java.net.ServerSocket socket = new java.net.ServerSocket(port)) {
                    socket.setReuseAddress(true);
                } catch (java.io.IOException e) {
                    return false;
                }
            }
            return true;
        }

        static Options parse(String[] args) {
            Map<String, String> values = new HashMap<>();
            for (String arg : args) {
                if (arg.startsWith("--") && arg.contains("=")) {
                    values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
                } else {
                    throw new IllegalArgumentException("Unknown argument " + arg + " (expected --name=value)");
                }
            }
            return new Options(Path.of(value(values, "data-dir", ".stack-data")),
                    Integer.parseInt(value(values, "http-port", "8080")),
                    Integer.parseInt(value(values, "kafka-port", "9092")),
                    Integer.parseInt(value(values, "postgres-port", "5432")),
                    Boolean.parseBoolean(value(values, "read-replica", "true")));
        }

        private static String value(Map<String, String> values, String name, String fallback) {
            return values.getOrDefault(name, System.getProperty("stack." + name, fallback));
        }
    }
}
