package org.agentplatform.ingest;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.ingest.keys.ApiKeys;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * What the server-backed tests of the ingest service alone share (after the acceptance-test bases of
 * gruelbox/transaction-outbox): the service over real HTTP on the JVM's one PostgreSQL and one Kafka, with a
 * database and topic prefix of the test class's own ({@link ClassEnvironments}), the schema migrated (ingest does
 * not migrate: the workers own the schema), {@link #ADMIN} as the admin key, {@link ApiKeys} to mint keys directly
 * (no agent needs to exist for its key to work) and jdbc. No worker runs: {@link WithWorkers} is the base for that.
 *
 * <p>A subclass adds its own settings with {@code @TestPropertySource}, which merges with these (a
 * {@code @SpringBootTest} of its own would replace them).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=ingest-service", "ingest.security.admin-key=" + AbstractIngestIntegrationTest.ADMIN })
@ContextCustomizerFactories(ClassEnvironments.class)
public abstract class AbstractIngestIntegrationTest {

    public static final String ADMIN = "test-admin-key-0123456789abcdef";

    /** This test class's database and topic prefix. */
    protected final TestEnvironment env = ClassEnvironments.of(getClass());

    @LocalServerPort
    protected int port;

    @Autowired
    protected ApiKeys keys;

    @Autowired
    protected JdbcClient jdbc;

    @BeforeAll
    static void schema(TestInfo test) {
        TestEnvironment env = ClassEnvironments.of(test.getTestClass().orElseThrow());
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
    }
}
