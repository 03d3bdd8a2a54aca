package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.jobs.JobWorkerApplication;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ContextCustomizerFactories;

/**
 * What the server-backed job-worker tests share (after the acceptance-test bases of gruelbox/transaction-outbox):
 * the job worker as the test class's Spring application on the JVM's one PostgreSQL and one Kafka, with a database
 * and topic prefix of the class's own ({@link ClassEnvironments}), jdbc, and the wait for a command's outcome.
 *
 * <p>A subclass adds its own settings with {@code @TestPropertySource}, which merges with these (a
 * {@code @SpringBootTest} of its own would replace them). Further workers it starts by hand take the class's
 * environment as command-line arguments ({@link TestEnvironment#commandLineArgs}); from a static
 * {@code @BeforeAll}, {@link #environment(TestInfo)} is that environment.
 */
@SpringBootTest(classes = JobWorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = "spring.config.name=job-worker")
@ContextCustomizerFactories(ClassEnvironments.class)
@DirtiesContext
abstract class AbstractJobWorkerIntegrationTest {

    static final Duration WAIT = Duration.ofSeconds(30);

    /** This test class's database and topic prefix. */
    protected final TestEnvironment env = ClassEnvironments.of(getClass());

    @Autowired
    protected JdbcTemplate jdbc;

    /** The environment of the test class running, where no instance exists yet (a static {@code @BeforeAll}). */
    protected static TestEnvironment environment(TestInfo test) {
        return ClassEnvironments.of(test.getTestClass().orElseThrow());
    }

    /** Waits until the inbox holds {@code outcome} for the command: its reason, if it has one, else its outcome. */
    protected void awaitOutcome(UUID commandId, String outcome) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(JobTestClient.outcome(jdbc, commandId)).isEqualTo(outcome));
    }
}
