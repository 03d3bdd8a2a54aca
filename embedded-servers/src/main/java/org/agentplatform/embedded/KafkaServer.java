package org.agentplatform.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker in KRaft combined mode ({@code process.roles=broker,controller},
 * {@code node.id=1}) running inside this JVM.
 *
 * <p>Storage is formatted with {@link Formatter} (the class behind {@code kafka-storage.sh format},
 * without its {@code System.exit}) and the node runs as a {@link KafkaRaftServer}, as
 * {@code kafka.Kafka} does. The quorum is static ({@code controller.quorum.voters}), so the
 * controller port may change between runs on the same log directory.
 *
 * <p>With a {@code null} log directory the broker uses a fresh directory under
 * {@code ${java.io.tmpdir}/embedded-servers/} that is deleted on {@link #close()}; otherwise the
 * directory is formatted once and reused.
 *
 * <p>Note: like any Kafka broker, a fatal storage fault (e.g. its log directory deleted while it
 * runs) makes Kafka call {@code Exit.halt}, which ends this JVM.
 */
public final class KafkaServer implements KafkaEndpoint, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    static final String TEMP_PREFIX = "kafka-";
    static final int NODE_ID = 1;
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaRaftServer server;
    private final Path logDirectory;
    private final boolean temporary;
    private final int port;
    private final int controllerPort;
    private final String clusterId;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object adminLock = new Object();
    private @Nullable Admin admin;

    private KafkaServer(KafkaRaftServer server, Path logDirectory, boolean temporary, int port, int controllerPort,
                        String clusterId) {
        this.server = server;
        this.logDirectory = logDirectory;
        this.temporary = temporary;
        this.port = port;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
    }

    /**
     * Starts a broker.
     *
     * @param logDirectory {@code null} for a temporary broker, else a directory kept between runs
     * @param port         the PLAINTEXT port, {@code 0} for a free one; the controller gets a free port
     */
    public static KafkaServer start(@Nullable Path logDirectory, int port) {
        return start(logDirectory, port, 0, Map.of());
    }

    /** As {@link #start(Path, int)} with a given controller port ({@code 0} for a free one). */
    public static KafkaServer start(@Nullable Path logDirectory, int port, int controllerPort) {
        return start(logDirectory, port, controllerPort, Map.of());
    }

    /**
     * As {@link #start(Path, int, int)}, with extra broker properties that override the defaults of
     * {@link #brokerProperties}.
     */
    public static KafkaServer start(@Nullable Path logDirectory, int port, int controllerPort,
                                    Map<String, String> overrides) {
        if (port < 0 || port > 65535 || controllerPort < 0 || controllerPort > 65535) {
            throw new IllegalArgumentException("port " + port + ", controller port " + controllerPort);
        }
        LogLevels.quietKafka();
        long t0 = System.nanoTime();
        boolean temporary = logDirectory == null;
        Path root = Owner.temporaryRoot();
        cleanStaleTemporaryDirectories(root);
        int attempts = (port == 0 || controllerPort == 0) ? 3 : 1;
        RuntimeException failure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Path dir = logDirectory == null
                    ? root.resolve(TEMP_PREFIX + UUID.randomUUID().toString().substring(0, 8))
                    : logDirectory.toAbsolutePath().normalize();
            int p = port == 0 ? Ports.free() : port;
            int cp = controllerPort == 0 ? Ports.free() : controllerPort;
            if (cp == p) {
                cp = Ports.free();
            }
            if (port != 0) {
                Ports.requireFree(p, "Kafka");
            }
            if (controllerPort != 0) {
                Ports.requireFree(cp, "Kafka controller");
            }
            try {
                KafkaServer server = startOnce(dir, temporary, p, cp, overrides);
                log.info("Kafka broker started on 127.0.0.1:{} (controller {}) in {} ms (log dir {})", p, cp,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
                return server;
            } catch (RuntimeException e) {
                failure = e;
                if (temporary) {
                    Owner.deleteRecursively(dir);
                }
                log.warn("Kafka start attempt {} on ports {}/{} failed: {}", attempt, p, cp, e.toString());
            }
        }
        throw failure;
    }

    /** The broker configuration used for a node on {@code dir} with the given ports. */
    public static Properties brokerProperties(Path dir, int port, int controllerPort) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", Integer.toString(NODE_ID));
        c.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        c.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        c.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        c.put("controller.listener.names", "CONTROLLER");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("log.dirs", dir.toString());
        c.put("metadata.log.dir", dir.toString());
        // one node: every replication factor and min ISR is 1
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "4");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("transaction.state.log.num.partitions", "4");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("share.coordinator.state.topic.num.partitions", "1");
        c.put("auto.create.topics.enable", "true");
        c.put("num.partitions", "4");
        c.put("group.initial.rebalance.delay.ms", "0");
        // small footprint on a 2-core machine
        c.put("num.network.threads", "2");
        c.put("num.io.threads", "4");
        c.put("background.threads", "4");
        c.put("num.replica.fetchers", "1");
        c.put("num.recovery.threads.per.data.dir", "1");
        c.put("log.cleaner.threads", "1");
        c.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        c.put("server.max.startup.time.ms", Long.toString(STARTUP_TIMEOUT.toMillis()));
        Properties props = new Properties();
        props.putAll(c);
        return props;
    }

    private static KafkaServer startOnce(Path dir, boolean temporary, int port, int controllerPort,
                                         Map<String, String> overrides) {
        Properties props = brokerProperties(dir, port, controllerPort);
        props.putAll(overrides);
        KafkaConfig config = new KafkaConfig(props, false);
        String clusterId = format(dir);
        Owner.writeCurrent(dir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            // returns once the broker is unfenced and its listeners accept connections
            server.startup();
        } catch (RuntimeException e) {
            shutdown(server, dir);
            throw e;
        } catch (Throwable e) {
            shutdown(server, dir);
            throw new IllegalStateException("Kafka did not start on " + dir, e);
        }
        return new KafkaServer(server, dir, temporary, port, controllerPort, clusterId);
    }

    /** Formats {@code dir} unless it holds a formatted node already; returns the cluster id. */
    private static String format(Path dir) {
        Path metaProperties = dir.resolve("meta.properties");
        try {
            Files.createDirectories(dir);
            if (Files.isRegularFile(metaProperties)) {
                Properties meta = new Properties();
                try (var in = Files.newInputStream(metaProperties)) {
                    meta.load(in);
                }
                return meta.getProperty("cluster.id");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka log directory " + dir, e);
        }
        String clusterId = Uuid.randomUuid().toString();
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(dir.toString())
                    .setDirectories(List.of(dir.toString()))
                    .setUnstableFeatureVersionsEnabled(false)
                    .setHasDynamicQuorum(false)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka log directory " + dir, e);
        }
        return clusterId;
    }

    /** "127.0.0.1:PORT". */
    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path logDirectory() {
        return logDirectory;
    }

    public String clusterId() {
        return clusterId;
    }

    /**
     * Creates the topics that do not exist yet (replication factor 1) and waits until every
     * partition of every named topic has a leader. Existing topics are left as they are.
     */
    @Override
    public void createTopics(int partitions, String... topics) {
        createTopics(admin(), partitions, topics);
    }

    /** Shared with the Testcontainers broker: creation is the same whoever runs the broker. */
    static void createTopics(Admin a, int partitions, String... topics) {
        if (topics.length == 0) {
            return;
        }
        List<NewTopic> newTopics = new ArrayList<>();
        for (String topic : topics) {
            newTopics.add(new NewTopic(topic, partitions, (short) 1));
        }
        long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
        a.createTopics(newTopics).values().forEach((topic, future) -> {
            try {
                future.get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic, e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("timed out creating topic " + topic, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
        awaitLeaders(a, List.of(topics), deadline);
    }

    private static void awaitLeaders(Admin a, List<String> topics, long deadline) {
        Throwable last = null;
        while (true) {
            try {
                Map<String, TopicDescription> descriptions = a.describeTopics(topics).allTopicNames()
                        .get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                boolean ready = descriptions.values().stream()
                        .allMatch(d -> !d.partitions().isEmpty()
                                && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    // the metadata cache knows the leader slightly before the partition is ready on the
                    // broker; ListOffsets is answered by the partition leader itself (the admin client
                    // retries NOT_LEADER_OR_FOLLOWER), so once it answers, produce and fetch work too
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    descriptions.values().forEach(d -> d.partitions().forEach(
                            p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
                    a.listOffsets(latest).all().get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
                    return;
                }
            } catch (ExecutionException e) {
                last = e.getCause();
                if (!(e.getCause() instanceof RetriableException)) {
                    throw new IllegalStateException("topics " + topics + " not ready", e.getCause());
                }
            } catch (TimeoutException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + topics + " not ready after " + TOPIC_TIMEOUT, last);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private static long remainingMillis(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private Admin admin() {
        synchronized (adminLock) {
            if (closed.get()) {
                throw new IllegalStateException("Kafka server closed");
            }
            if (admin == null) {
                Map<String, Object> config = new LinkedHashMap<>();
                config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
                config.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-servers-admin-" + port);
                config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TOPIC_TIMEOUT.toMillis());
                admin = Admin.create(config);
            }
            return admin;
        }
    }

    /** Clean shutdown (waits for it, bounded); a temporary log directory is deleted. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        synchronized (adminLock) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
        boolean stopped = shutdown(server, logDirectory);
        if (temporary && stopped) {
            Owner.deleteRecursively(logDirectory);
        }
        log.info("Kafka broker on port {} stopped in {} ms", port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    /** Shuts the node down in a helper thread, waiting at most {@link #SHUTDOWN_TIMEOUT}. */
    private static boolean shutdown(KafkaRaftServer server, Path dir) {
        Thread t = new Thread(() -> {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (Throwable e) {
                log.warn("Kafka shutdown on {} failed", dir, e);
            }
        }, "kafka-embedded-shutdown");
        t.setDaemon(true);
        t.start();
        try {
            t.join(SHUTDOWN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("Kafka on {} did not shut down within {}", dir, SHUTDOWN_TIMEOUT);
            return false;
        }
        return true;
    }

    /** Temporary log directories whose owner JVM is gone are deleted (the broker died with its JVM). */
    static void cleanStaleTemporaryDirectories(Path root) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, TEMP_PREFIX + "*")) {
            for (Path dir : dirs) {
                Optional<Owner> owner = Owner.read(dir);
                if (owner.isEmpty() && Owner.isAbandoned(dir)) {
                    log.info("Removing abandoned Kafka directory {}", dir);
                    Owner.deleteRecursively(dir);
                } else if (owner.isPresent() && !owner.get().isAlive()) {
                    log.info("Removing Kafka directory {} left by JVM {} (gone)", dir, owner.get().pid());
                    Owner.deleteRecursively(dir);
                }
            }
        } catch (IOException e) {
            log.warn("cannot scan {} for stale Kafka directories", root, e);
        }
    }
}
