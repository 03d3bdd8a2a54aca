package org.agentplatform.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One PostgreSQL and one Kafka per JVM for integration tests: started lazily on first use
 * (thread safe), on free ports, with temporary data under {@code ${java.io.tmpdir}}, and stopped
 * by one JVM shutdown hook.
 *
 * <p>The hook first waits (bounded) for Spring's context shutdown hooks of the same JVM, so that
 * cached test contexts (Kafka clients, Debezium engines, pools) close while the servers still run;
 * then it stops both servers in parallel, bounded as a whole so that it never hangs the JVM.
 */
public final class TestServers {

    private static final Logger log = LoggerFactory.getLogger(TestServers.class);

    /** How long the hook waits for other (Spring) shutdown hooks before it stops the servers. */
    static final long WAIT_FOR_OTHER_HOOKS_MS = 10_000;
    /** How long the hook waits for both servers to stop. */
    static final long STOP_SERVERS_MS = 15_000;
    /** How long the hook looks for Spring hook threads that the JVM may not have started yet. */
    static final long GRACE_MS = 100;

    private static final Object POSTGRES_LOCK = new Object();
    private static final Object KAFKA_LOCK = new Object();
    private static final Object HOOK_LOCK = new Object();

    private static volatile @Nullable PostgresServer postgres;
    private static volatile @Nullable KafkaServer kafka;
    private static @Nullable RuntimeException postgresFailure;
    private static @Nullable RuntimeException kafkaFailure;
    private static boolean hookInstalled;

    /** {@code containers} runs the tests against Testcontainers (needs Docker); anything else is embedded. */
    public static final String MODE_PROPERTY = "platform.test.servers";

    private TestServers() {
    }

    /** Whether this JVM was asked for containers ({@value #MODE_PROPERTY} or env PLATFORM_TEST_SERVERS). */
    public static boolean containersRequested() {
        String mode = System.getProperty(MODE_PROPERTY, System.getenv("PLATFORM_TEST_SERVERS"));
        return "containers".equalsIgnoreCase(mode);
    }

    /** The JVM's PostgreSQL, started on first call: embedded by default, a container when asked. */
    public static PostgresEndpoint postgres() {
        return containersRequested() ? ContainerServers.postgres() : embeddedPostgres();
    }

    /** The JVM's Kafka broker, started on first call: embedded by default, a container when asked. */
    public static KafkaEndpoint kafka() {
        return containersRequested() ? ContainerServers.kafka() : embeddedKafka();
    }

    private static PostgresServer embeddedPostgres() {
        PostgresServer server = postgres;
        if (server != null) {
            return server;
        }
        synchronized (POSTGRES_LOCK) {
            if (postgres == null) {
                if (postgresFailure != null) {
                    throw new IllegalStateException("PostgreSQL failed to start earlier in this JVM", postgresFailure);
                }
                installShutdownHook();
                try {
                    postgres = PostgresServer.start(null, 0);
                } catch (RuntimeException e) {
                    postgresFailure = e;
                    throw e;
                }
            }
            return postgres;
        }
    }

    private static KafkaServer embeddedKafka() {
        KafkaServer server = kafka;
        if (server != null) {
            return server;
        }
        synchronized (KAFKA_LOCK) {
            if (kafka == null) {
                if (kafkaFailure != null) {
                    throw new IllegalStateException("Kafka failed to start earlier in this JVM", kafkaFailure);
                }
                installShutdownHook();
                try {
                    kafka = KafkaServer.start(null, 0);
                } catch (RuntimeException e) {
                    kafkaFailure = e;
                    throw e;
                }
            }
            return kafka;
        }
    }

    /**
     * A fresh isolated environment: a new database with a unique name and a unique topic prefix
     * on the JVM's servers (both started, in parallel, if needed).
     */
    public static TestEnvironment newEnvironment() {
        CompletableFuture<KafkaEndpoint> kafkaStart = kafka != null && !containersRequested()
                ? CompletableFuture.completedFuture(kafka)
                : CompletableFuture.supplyAsync(TestServers::kafka, runnable -> {
                    Thread t = new Thread(runnable, "embedded-kafka-start");
                    t.setDaemon(true);
                    t.start();
                });
        PostgresEndpoint pg = postgres();
        KafkaEndpoint k;
        try {
            k = kafkaStart.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
        String id = uniqueId();
        String database = "test_" + id;
        pg.createDatabase(database);
        return new TestEnvironment(pg.jdbcUrl(database), pg.username(), pg.password(), k.bootstrapServers(),
                "t" + id + ".", database);
    }

    private static String uniqueId() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFFL | 0x1_0000_0000L)
                .substring(1).toLowerCase(Locale.ROOT);
    }

    private static void installShutdownHook() {
        synchronized (HOOK_LOCK) {
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(TestServers::stopAll, "embedded-servers-shutdown"));
                hookInstalled = true;
            }
        }
    }

    private static void stopAll() {
        awaitOtherShutdownHooks(WAIT_FOR_OTHER_HOOKS_MS);
        List<Thread> stoppers = new ArrayList<>();
        KafkaServer k = kafka;
        PostgresServer pg = postgres;
        if (k != null) {
            stoppers.add(stopper("embedded-kafka-stop", k));
        }
        if (pg != null) {
            stoppers.add(stopper("embedded-postgres-stop", pg));
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_SERVERS_MS);
        for (Thread t : stoppers) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (t.isAlive()) {
                log.warn("{} did not finish within {} ms; leaving it", t.getName(), STOP_SERVERS_MS);
            }
        }
    }

    private static Thread stopper(String name, AutoCloseable server) {
        Thread t = new Thread(() -> {
            try {
                server.close();
            } catch (Throwable e) {
                log.warn("{} failed", name, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits for the shutdown hooks of Spring (threads "SpringContextShutdownHook" and
     * "SpringApplicationShutdownHook") that the JVM runs concurrently with this one. The JVM starts
     * all hook threads one after the other, so none may be alive yet: the condition "no other hook
     * thread alive" must hold for a short grace period before the servers are stopped.
     */
    static void awaitOtherShutdownHooks(long timeoutMs) {
        Thread self = Thread.currentThread();
        try {
            Awaitility.await().pollInSameThread() // no new threads while the JVM shuts down
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .during(Duration.ofMillis(GRACE_MS)).atMost(Duration.ofMillis(Math.max(timeoutMs, 2 * GRACE_MS)))
                    .until(() -> Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t != self && t.isAlive() && t.getName().contains("ShutdownHook")));
        } catch (ConditionTimeoutException e) {
            log.warn("Spring shutdown hooks still running after {} ms; stopping the servers anyway", timeoutMs);
        }
    }
}
