package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shutdown hook in a real JVM exit: it lets a concurrently running Spring context shutdown
 * hook use both servers before stopping them, removes the temporary data and ends in time.
 */
class TestServersShutdownTest {

    @Test
    void hookOutlivesSpringShutdownHooksStopsTheServersAndIsBounded() throws Exception {
        ChildJvm child = ChildJvm.start(ExitingMain.class);
        String ready = child.awaitLine("READY", 90);
        String[] parts = ready.split(" ");
        Path pgDir = Path.of(parts[1]);
        Path kafkaDir = Path.of(parts[2]);
        long exitStart = System.nanoTime();
        child.awaitLine("HOOK-OK", 30);
        assertThat(child.waitForExit(30)).isTrue();
        long exitMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exitStart);
        System.out.printf("child JVM shutdown (1 s fake Spring hook + stopping both servers) took %d ms%n", exitMs);
        assertThat(pgDir).doesNotExist();
        assertThat(kafkaDir).doesNotExist();
        assertThat(PostgresServer.runningPostmaster(pgDir)).isEmpty();
        assertThat(exitMs).isLessThan(TestServers.WAIT_FOR_OTHER_HOOKS_MS + TestServers.STOP_SERVERS_MS);
    }

    /** Child JVM: starts the shared servers, registers a slow "Spring" hook that uses them, exits. */
    public static final class ExitingMain {
        public static void main(String[] args) throws Exception {
            TestEnvironment env = TestServers.newEnvironment();
            KafkaEndpoint kafka = TestServers.kafka();
            PostgresEndpoint pg = TestServers.postgres();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    // A context that takes a while to close and uses both servers the whole time.
                    List<String> checks = new ArrayList<>();
                    long closingUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                    int rounds = 0;
                    do {
                        try (Connection c = pg.dataSource(env.databaseName()).getConnection();
                             Statement s = c.createStatement();
                             ResultSet rs = s.executeQuery("SELECT 1")) {
                            rs.next();
                            if (rs.getInt(1) != 1) {
                                throw new IllegalStateException("unexpected answer " + rs.getInt(1));
                            }
                        }
                        KafkaServerTest.send(kafka, env.topic("late"), "k", "v");
                        rounds++;
                    } while (System.nanoTime() < closingUntil);
                    checks.add("pg=1");
                    checks.add("kafka=ok");
                    checks.add("rounds=" + rounds);
                    System.out.println("HOOK-OK " + checks);
                } catch (Throwable e) {
                    System.out.println("HOOK-FAILED " + e);
                }
            }, "SpringContextShutdownHook"));
            System.out.println("READY " + ((PostgresServer) pg).dataDirectory() + " " + ((KafkaServer) kafka).logDirectory());
            System.out.flush();
            System.exit(0);
        }
    }
}
