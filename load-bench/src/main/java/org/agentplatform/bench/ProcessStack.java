package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.agentplatform.embedded.PostgresServer;

/**
 * The measured system as it is deployed: PostgreSQL 16 (its own process tree), a Kafka broker and each service in
 * a JVM of its own with at most 512 MiB of heap, started from the executable jars the build produced, in the
 * order the deployment starts them (the audit worker first: it migrates and creates the replication slot).
 * The load generator stays in the benchmark's JVM.
 */
public final class ProcessStack implements AutoCloseable {

    static final String DATABASE = "agent_platform";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    /** A service: its module (and exec jar) name and its HTTP port's offset from the ingest port. */
    record Service(String module, int portOffset) {
    }

    /** The combined deployment's one JVM of services, and its heap. */
    static final String COMBINED = "services";
    static final String COMBINED_HEAP = "-Xmx2g";

    static final List<Service> SERVICES = List.of(new Service("audit-worker", 3), new Service("ledger-worker", 2),
            new Service("job-worker", 4), new Service("ingest-service", 0));

    private final PostgresServer postgres;
    private final ChildProcess broker;
    private final String bootstrap;
    private final int httpPort;
    private final String adminKey;
    private final List<ChildProcess> services = new ArrayList<>();

    private ProcessStack(PostgresServer postgres, ChildProcess broker, String bootstrap, int httpPort, String adminKey) {
        this.postgres = postgres;
        this.broker = broker;
        this.bootstrap = bootstrap;
        this.httpPort = httpPort;
        this.adminKey = adminKey;
    }

    static ProcessStack start(Path work, Path jarRoot, List<String> serviceArgs, List<String> jvmOptions)
            throws IOException, InterruptedException {
        Map<String, Path> jars = new LinkedHashMap<>();
        for (Service s : SERVICES) {
            jars.put(s.module(), execJar(jarRoot, s.module()));
        }
        return start(work, jars, serviceArgs, jvmOptions);
    }

    /**
     * As {@link #start(Path, Path, List, List)}, with the executable jar of each module given: a mixed deployment,
     * e.g. the previous release's workers beside the current audit worker and ingest service during a rolling upgrade.
     */
    static ProcessStack start(Path work, Map<String, Path> jarsByModule, List<String> serviceArgs,
                              List<String> jvmOptions) throws IOException, InterruptedException {
        Path logs = work.resolve("logs");
        List<Path> jars = new ArrayList<>();
        for (Service s : SERVICES) {
            Path jar = jarsByModule.get(s.module());
            if (jar == null) {
                throw new IllegalArgumentException("No jar given for " + s.module());
            }
            jars.add(jar);
        }
        ProcessStack stack = servers(work);
        try {
            // the audit worker alone first (migrations, replication slot), then the others side by side
            stack.startService(SERVICES.get(0), jars.get(0), jvmOptions, serviceArgs, logs)
                    .awaitReady(stack.readinessUrl(SERVICES.get(0)), START_TIMEOUT);
            List<ChildProcess> rest = new ArrayList<>();
            for (int i = 1; i < SERVICES.size(); i++) {
                rest.add(stack.startService(SERVICES.get(i), jars.get(i), jvmOptions, serviceArgs, logs));
            }
            for (int i = 1; i < SERVICES.size(); i++) {
                rest.get(i - 1).awaitReady(stack.readinessUrl(SERVICES.get(i)), START_TIMEOUT);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /**
     * The combined deployment: the same servers, and the four services in one JVM ({@link CombinedServices}, as the
     * local run deploys them) with {@link #COMBINED_HEAP}, the four separate JVMs' heaps together.
     */
    static ProcessStack startCombined(Path work, List<String> serviceArgs, List<String> jvmOptions)
            throws IOException, InterruptedException {
        Path logs = work.resolve("logs");
        ProcessStack stack = servers(work);
        try {
            List<String> args = new ArrayList<>(commonArgs(stack.postgres, DATABASE, stack.bootstrap));
            args.add("--server.port=" + stack.httpPort);
            args.add("--ingest.security.admin-key=" + stack.adminKey);
            args.addAll(serviceArgs);
            List<String> options = new ArrayList<>(List.of(COMBINED_HEAP));
            jvmOptions.forEach(o -> options.add(o.replace(Profiles.SERVICE, COMBINED)));
            ChildProcess process = ChildProcess.main(COMBINED, CombinedServices.class, options, args, logs);
            stack.services.add(process);
            for (Service service : SERVICES) {
                process.awaitReady(stack.readinessUrl(service), START_TIMEOUT);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    /** PostgreSQL and the broker, with no service yet. */
    private static ProcessStack servers(Path work) throws IOException, InterruptedException {
        PostgresServer postgres = PostgresServer.start(work.resolve("postgres"), 0);
        ChildProcess broker = null;
        try {
            postgres.createDatabase(DATABASE);
            broker = ChildProcess.main("kafka", BrokerMain.class, List.of(), List.of(work.resolve("kafka").toString(), "0"),
                    work.resolve("logs"));
            String bootstrap = broker.awaitLine(Pattern.compile("BROKER READY (\\S+)"), START_TIMEOUT);
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return new ProcessStack(postgres, broker, bootstrap, org.agentplatform.stack.LocalStack.Options.onFreePorts(work).httpPort(),
                    Base64.getUrlEncoder().withoutPadding().encodeToString(key));
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            postgres.close();
            throw e;
        }
    }

    private ChildProcess startService(Service service, Path jar, List<String> jvmOptions, List<String> extraArgs, Path logs)
            throws IOException {
        List<String> args = new ArrayList<>(commonArgs(postgres, DATABASE, bootstrap));
        args.add("--server.port=" + (httpPort + service.portOffset()));
        if (service.module().equals("ingest-service")) {
            args.add("--ingest.security.admin-key=" + adminKey);
        }
        args.addAll(extraArgs);
        // an option may name the service, e.g. its own profile file (Profiles.SERVICE)
        List<String> options = jvmOptions.stream().map(o -> o.replace(Profiles.SERVICE, service.module())).toList();
        ChildProcess process = ChildProcess.jar(service.module(), jar, options, args, logs);
        services.add(process);
        return process;
    }

    private String readinessUrl(Service service) {
        return "http://localhost:" + (httpPort + service.portOffset()) + "/actuator/health/readiness";
    }

    /** Where a service finds the servers, and a quiet log: the benchmark prints its own progress. */
    public static List<String> commonArgs(PostgresServer postgres, String database, String bootstrap) {
        return List.of("--spring.datasource.url=" + postgres.jdbcUrl(database),
                "--spring.datasource.username=" + postgres.username(), "--spring.datasource.password=",
                "--spring.kafka.bootstrap-servers=" + bootstrap, "--spring.main.banner-mode=off",
                "--logging.level.root=WARN", "--logging.level.io.debezium.metrics=ERROR");
    }

    /** {@code <root>/<module>/target/<module>-<version>-exec.jar}, as {@code ./mvnw package} leaves it. */
    public static Path execJar(Path root, String module) throws IOException {
        Path target = root.resolve(module).resolve("target");
        if (Files.isDirectory(target)) {
            try (Stream<Path> files = Files.list(target)) {
                List<Path> jars = files.filter(p -> p.getFileName().toString().matches(Pattern.quote(module) + "-.*-exec\\.jar"))
                        .toList();
                if (jars.size() == 1) {
                    return jars.get(0);
                }
            }
        }
        throw new IllegalStateException("No executable jar of " + module + " under " + target.toAbsolutePath()
                + ": build first with ./mvnw -B -q -pl load-bench -am package -DskipTests (from the repository root)");
    }

    /** The repository root: this directory or its parent (when run from the load-bench module). */
    public static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("ledger-worker")) ? here
                : Objects.requireNonNull(here.getParent(), "the working directory is the file system's root");
    }

    PostgresServer postgres() {
        return postgres;
    }

    String bootstrapServers() {
        return bootstrap;
    }

    int httpPort() {
        return httpPort;
    }

    String adminKey() {
        return adminKey;
    }

    /** The JVMs of the system, the broker first. */
    List<ChildProcess> processes() {
        List<ChildProcess> all = new ArrayList<>();
        all.add(broker);
        all.addAll(services);
        return all;
    }

    /** Stops the services (not the servers): the baselines then run on a quiet machine. */
    void stopServices() {
        List<ChildProcess> reversed = new ArrayList<>(services);
        Collections.reverse(reversed);
        reversed.forEach(ChildProcess::close);
    }

    @Override
    public void close() {
        stopServices();
        broker.close();
        postgres.close();
    }
}
