package org.agentplatform.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;

import org.agentplatform.ingest.AbstractIngestIntegrationTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The console's chain next to the API's, over real HTTP (no redirects followed, cookies by hand): a login form that
 * only the admin key passes, a session cookie with its attributes, CSRF on every form post, and no crossing over (a
 * bearer key does not open the console, the console's session does not open the API).
 */
@TestPropertySource(properties = {
        // nothing listens there: the overview must say so and still render the rest
        "ingest.console.audit-url=http://localhost:1", "ingest.console.audit-timeout=2s" })
class ConsoleSecurityIntegrationTest extends AbstractIngestIntegrationTest {

    private ConsoleForms console;

    @BeforeEach
    void client() {
        console = new ConsoleForms(port);
    }

    @Test
    void aStrangerIsSentToTheLoginFormWhoseSessionCookieIsHttpOnlyStrictAndSecure() throws Exception {
        assertThat(console.get("/console", null, null).headers().firstValue("Location").orElseThrow()).endsWith("/console/login");
        HttpResponse<String> form = console.get("/console/login", null, null);
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"key\"").containsPattern(ConsoleForms.CSRF);
        String cookie = form.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").contains("Secure");
    }

    @Test
    void onlyTheAdminKeyLogsInAndOnlyWithTheFormsCsrfToken() throws Exception {
        String agentKey = keys.create(UUID.randomUUID()).apiKey();
        ConsoleForms.Login page = console.loginPage();
        assertThat(console.post("/console/login", page.session(), "key=" + ConsoleForms.enc(ADMIN)).statusCode())
                .as("without the CSRF token").isEqualTo(403);
        for (String wrong : new String[] { "wrong-key-0123456789abcdefgh", agentKey, "" }) {
            ConsoleForms.Login again = console.loginPage();
            HttpResponse<String> refused = console.post("/console/login", again.session(),
                    "_csrf=" + ConsoleForms.enc(again.csrf()) + "&key=" + ConsoleForms.enc(wrong));
            assertThat(refused.statusCode()).isEqualTo(302);
            assertThat(refused.headers().firstValue("Location").orElseThrow()).endsWith("/console/login?error");
        }
        String session = console.logIn(ADMIN);
        HttpResponse<String> overview = console.get("/console", session, null);
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("<h1>Overview</h1>").contains("hx-headers=\"{&quot;X-CSRF-TOKEN&quot;")
                .contains("Audit worker unreachable").contains("Consumer lag").contains("Applied commands");
    }

    @Test
    void theConsoleAndTheApiDoNotOpenEachOther() throws Exception {
        String session = console.logIn(ADMIN);
        // a bearer key is the API's credential, not the console's
        assertThat(console.get("/console/agents", null, ADMIN).statusCode()).isEqualTo(302);
        // the console's session is not the API's credential
        assertThat(console.get("/admin/dead-letters/topics", session, null).statusCode()).isEqualTo(401);
        assertThat(console.get("/admin/dead-letters/topics", null, ADMIN).statusCode()).isEqualTo(200);
        // an action without the CSRF token is refused, with it the request reaches the page (a bad value, named)
        assertThat(console.post("/console/jobs/cancellation", session, "state=QUEUED").statusCode()).isEqualTo(403);
        String csrf = console.csrfOf(console.get("/console/jobs", session, null).body());
        HttpResponse<String> invalid = console.post("/console/jobs/cancellation", session, "_csrf=" + ConsoleForms.enc(csrf) + "&state=DONE");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("state: must be one of").doesNotContain("Exception");
        HttpResponse<String> finished = console.post("/console/jobs/cancellation", session, "_csrf=" + ConsoleForms.enc(csrf) + "&state=SUCCEEDED");
        assertThat(finished.statusCode()).isEqualTo(400);
        assertThat(finished.body()).contains("SUCCEEDED jobs are finished");
        // a form posted with a session that is gone goes back to the login form, which says so
        HttpResponse<String> gone = console.post("/console/jobs/cancellation", "no-such-session", "_csrf=x&state=QUEUED");
        assertThat(gone.statusCode()).isEqualTo(302);
        assertThat(gone.headers().firstValue("Location").orElseThrow()).endsWith("/console/login?expired");
        // logging out ends the session
        assertThat(console.post("/console/logout", session, "_csrf=" + ConsoleForms.enc(csrf)).headers().firstValue("Location").orElseThrow())
                .endsWith("/console/login?logout");
        assertThat(console.get("/console", session, null).statusCode()).isEqualTo(302);
    }
}
