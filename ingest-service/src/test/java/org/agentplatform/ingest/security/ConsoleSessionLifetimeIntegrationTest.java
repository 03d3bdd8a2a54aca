package org.agentplatform.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.agentplatform.ingest.AbstractIngestIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * A console session ends at its maximum age however busy it is (an open overview refreshes itself, so the idle
 * timeout alone would never end it), and then the login form says why. Its own context, for the short maximum age:
 * long enough that the first use after the login is inside it on a busy machine.
 */
@TestPropertySource(properties = {
        "ingest.security.console-session-max-age=10s", "ingest.console.audit-url=http://localhost:1" })
class ConsoleSessionLifetimeIntegrationTest extends AbstractIngestIntegrationTest {

    @Test
    void aSessionEndsAtItsMaximumAgeEvenWhileItIsUsed() throws Exception {
        ConsoleForms console = new ConsoleForms(port);
        String session = console.logIn(ADMIN);
        assertThat(console.get("/console/agents", session, null).statusCode()).isEqualTo(200);
        // used all along, as an open overview uses it; it ends all the same
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                console.get("/console/agents", session, null).headers().firstValue("Location").orElse("")
                        .endsWith("/console/login?expired"));
        assertThat(console.get("/console/agents", session, null).headers().firstValue("Location").orElseThrow())
                .as("the ended session is gone").endsWith("/console/login");
        assertThat(console.get("/console/login?expired", null, null).body()).contains("Your session has ended");
    }
}
