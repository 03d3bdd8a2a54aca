package org.agentplatform.ledger.karma;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * What the server-backed tests of one ledger worker share (after the acceptance-test bases of
 * gruelbox/transaction-outbox): the worker as the test class's Spring application on the JVM's one PostgreSQL and
 * one Kafka, with a database and topic prefix of the class's own ({@link ClassEnvironments}) and the outbox rows
 * kept, so that a test reads the events a command wrote; a producer of ledger commands for the class; the probe
 * and the invariants over the worker's database.
 *
 * <p>A subclass adds its own settings with {@code @TestPropertySource}, which merges with these (a
 * {@code @SpringBootTest} of its own would replace them), and configuration with {@code @Import}.
 */
@SpringBootTest(classes = LedgerWorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"spring.config.name=ledger-worker", "platform.consumer.delete-outbox-rows=false"})
@ContextCustomizerFactories(ClassEnvironments.class)
@DirtiesContext
abstract class AbstractLedgerIntegrationTest {

    private static final Map<Class<?>, LedgerTestClient> CLIENTS = new ConcurrentHashMap<>();

    /** This test class's database and topic prefix. */
    protected final TestEnvironment env = ClassEnvironments.of(getClass());
    /** Publishes to this class's command topics: one producer for all its tests, closed after the last. */
    protected final LedgerTestClient client = CLIENTS.computeIfAbsent(getClass(), c -> new LedgerTestClient(env));

    @Autowired
    protected JdbcTemplate jdbc;

    @AfterAll
    static void disconnect(TestInfo test) {
        LedgerTestClient client = CLIENTS.remove(test.getTestClass().orElseThrow());
        if (client != null) {
            client.close();
        }
    }

    protected LedgerProbe probe() {
        return new LedgerProbe(jdbc, client);
    }

    protected void assertInvariants() {
        LedgerInvariants.assertHold(jdbc);
    }
}
