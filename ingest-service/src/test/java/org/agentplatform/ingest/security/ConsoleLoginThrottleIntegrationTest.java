package org.agentplatform.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.agentplatform.ingest.AbstractIngestIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Console logins are limited per caller address before the key is looked at: past the limit even the right key
 * is sent back to the form, told to wait, with Retry-After. Its own context, so that no other test's logins count.
 */
@TestPropertySource(properties = "ingest.security.console-login-attempts=3")
class ConsoleLoginThrottleIntegrationTest extends AbstractIngestIntegrationTest {

    @Test
    void pastTheLimitEvenTheAdminKeyWaits() throws Exception {
        ConsoleForms console = new ConsoleForms(port);
        for (int i = 0; i < 3; i++) {
            assertThat(console.tryLogIn("wrong-key-0123456789abcdefgh").headers().firstValue("Location").orElseThrow())
                    .endsWith("/console/login?error");
        }
        HttpResponse<String> throttled = console.tryLogIn(ADMIN);
        assertThat(throttled.statusCode()).isEqualTo(302);
        assertThat(throttled.headers().firstValue("Location").orElseThrow()).endsWith("/console/login?throttled");
        assertThat(Long.parseLong(throttled.headers().firstValue("Retry-After").orElseThrow())).isPositive();
        assertThat(console.get("/console/login?throttled", null, null).body()).contains("Too many attempts");
    }
}
