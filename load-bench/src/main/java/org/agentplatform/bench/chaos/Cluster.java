package org.agentplatform.bench.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.agentplatform.bench.BrokerMain;
import org.agentplatform.bench.ChildProcess;
import org.agentplatform.bench.ProcessStack;
import org.agentplatform.embedded.Ports;
import org.agentplatform.embedded.PostgresServer;
import org.jspecify.annotations.Nullable;

/**
 * The system under fault, every part a process of its own: PostgreSQL (a kept data directory, so that an immediate
 * stop is followed by crash recovery on restart), a broker JVM on kept log directory and ports, and
 * {@link #INSTANCES} of each worker kind plus the ingest service, each restartable under its own name (static
 * membership and the audit worker's instance id follow the name across restarts, as a pod name would).
 */
final class Cluster implements AutoCloseable {

    static final String DATABASE = "agent_platform";
    static final int INSTANCES = 2;
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    /** A service instance: its kind (module), its name and its HTTP port. */
    record Instance(String kind, String name, int port) {
        String readinessUrl() {
            return "http://localhost:" + port + "/actuator/health/readiness";
        }
    }

    private final Path work;
    private final Path logs;
    private final Map<String, Path> jars = new LinkedHashMap<>();
    private final List<String> jvmOptions;
    private final int pgPort;
    private final int brokerPort;
    private final int controllerPort;
    private final String adminKey;
    private final List<Instance> instances = new ArrayList<>();
    private final Map<String, ChildProcess> running = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Integer> incarnations = new java.util.concurrent.ConcurrentHashMap<>();
    /** Set by {@link #start()} (and each restart). */
    private volatile @Nullable PostgresServer postgres;
    private volatile @Nullable ChildProcess broker;

    Cluster(Path work, List<String> jvmOptions) throws IOException {
        this.work = work;
        this.logs = work.resolve("logs");
        this.jvmOptions = List.copyOf(jvmOptions);
        Path root = ProcessStack.repositoryRoot();
        for (String module : List.of("audit-worker", "ledger-worker", "job-worker", "ingest-service")) {
            jars.put(module, ProcessStack.execJar(root, module));
        }
        this.pgPort = Ports.free();
        this.brokerPort = Ports.free();
        int cp = Ports.free();
        while (cp == brokerPort || cp == pgPort) {
            cp = Ports.free();
        }
        this.controllerPort = cp;
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        this.adminKey = Base64.getUrlEncoder().withoutPadding().encodeToString(key);
        for (String kind : List.of("audit-worker", "ledger-worker", "job-worker")) {
            for (int i = 1; i <= INSTANCES; i++) {
                instances.add(new Instance(kind, kind.replace("-worker", "") + "-" + i, Ports.free()));
            }
        }
        instances.add(new Instance("ingest-service", "ingest-1", Ports.free()));
    }

    /**
     * Starts everything at once and waits until every instance is ready. Every service migrates at start under
     * Flyway's lock; nothing is written before the load starts, so no change precedes the audit worker's slot.
     */
    void start() throws IOException, InterruptedException {
        startPostgres();
        postgres().createDatabase(DATABASE);
        startBroker();
        for (Instance i : instances) {
            if (!launch(i)) {
                throw new IllegalStateException(i.name() + " runs already");
            }
        }
        for (Instance i : instances) {
            awaitReady(i);
        }
    }

    void startPostgres() {
        postgres = PostgresServer.start(work.resolve("postgres"), pgPort);
    }

    /**
     * {@code pg_ctl stop -m immediate}: SIGQUIT to the postmaster, which ends every backend at once without a
     * checkpoint; the next start runs crash recovery from the WAL.
     */
    void stopPostgresImmediately() throws IOException, InterruptedException {
        long pid = Long.parseLong(Files.readAllLines(work.resolve("postgres").resolve("postmaster.pid")).get(0).trim());
        ProcessHandle postmaster = ProcessHandle.of(pid).orElseThrow();
        new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start().waitFor();
        postmaster.onExit().join();
        postgres().closeAfterCrash(); // the server is gone: only the embedded library's lock to release
    }

    void startBroker() throws IOException, InterruptedException {
        int n = incarnations.merge("kafka", 1, Integer::sum);
        // a restart after kill -9 waits for the controller to fence the old incarnation (broker.session.timeout.ms,
        // 9 s); shorter sessions fence a live broker when the machine is busy, so the default stays
        broker = ChildProcess.main("kafka-" + n, BrokerMain.class, List.of(work.resolve("kafka").toString(),
                Integer.toString(brokerPort), Integer.toString(controllerPort)), logs);
        broker.awaitLine(Pattern.compile("BROKER READY (\\S+)"), START_TIMEOUT);
    }

    void killBroker() throws InterruptedException {
        Objects.requireNonNull(broker, "broker not started").kill();
    }

    /**
     * Starts (or restarts) an instance under its name, unless its process still runs (another restart got there
     * first: two would fight for its port); does not wait for readiness. Returns whether it started one.
     */
    synchronized boolean launch(Instance instance) throws IOException {
        if (isAlive(instance)) {
            return false;
        }
        int n = incarnations.merge(instance.name(), 1, Integer::sum);
        List<String> args = new ArrayList<>(ProcessStack.commonArgs(postgres(), DATABASE, bootstrapServers()));
        args.add("--server.port=" + instance.port());
        // INFO for the platform's own lines: assignments, revocations, leadership appear in the logs
        args.add("--logging.level.org.agentplatform=INFO");
        switch (instance.kind()) {
            case "ingest-service" -> args.add("--ingest.security.admin-key=" + adminKey);
            case "audit-worker" -> {
                args.add("--platform.audit.instance-id=" + instance.name());
                args.add("--platform.consumer.instance-id=" + instance.name());
            }
            default -> args.add("--platform.consumer.instance-id=" + instance.name());
        }
        Path jar = Objects.requireNonNull(jars.get(instance.kind()), "jars has every kind");
        ChildProcess p = ChildProcess.jar(instance.name() + "-" + n, jar, jvmOptions, args, logs);
        running.put(instance.name(), p);
        return true;
    }

    void awaitReady(Instance instance) throws InterruptedException {
        launched(instance).awaitReady(instance.readinessUrl(), START_TIMEOUT);
    }

    void kill(Instance instance) throws InterruptedException {
        launched(instance).kill();
    }

    private ChildProcess launched(Instance instance) {
        return Objects.requireNonNull(running.get(instance.name()), () -> instance.name() + " was never launched");
    }

    /** Whether the instance runs and answers its readiness probe with 200 now (one probe). */
    boolean isReady(Instance instance) throws InterruptedException {
        ChildProcess p = running.get(instance.name());
        return p != null && p.isReady(instance.readinessUrl());
    }

    boolean isAlive(Instance instance) {
        ChildProcess p = running.get(instance.name());
        return p != null && p.isAlive();
    }

    List<Instance> instances(String kind) {
        return instances.stream().filter(i -> i.kind().equals(kind)).toList();
    }

    Instance instance(String name) {
        return instances.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    PostgresServer postgres() {
        return Objects.requireNonNull(postgres, "PostgreSQL not started");
    }

    String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    String ingestUrl() {
        return "http://localhost:" + instances("ingest-service").get(0).port();
    }

    String adminKey() {
        return adminKey;
    }

    Path logs() {
        return logs;
    }

    /** Graceful stop of every service (all at once), then the broker and PostgreSQL. */
    @Override
    public void close() {
        List<Thread> stopping = new ArrayList<>();
        for (ChildProcess p : running.values()) {
            Thread t = new Thread(p::close, "stop-" + p.name());
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
