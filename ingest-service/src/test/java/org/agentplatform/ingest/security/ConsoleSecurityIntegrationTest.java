package org.agentplatform.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The console's chain next to the API's, over real HTTP (no redirects followed, cookies by hand): a login form that
 * only the admin key passes, a session cookie with its attributes, CSRF on every form post, and no crossing over (a
 * bearer key does not open the console, the console's session does not open the API).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.config.name=ingest-service", "ingest.security.admin-key=" + WithDatabase.ADMIN,
        // nothing listens there: the overview must say so and still render the rest
        "ingest.console.audit-url=http://localhost:1", "ingest.console.audit-timeout=2s" })
class ConsoleSecurityIntegrationTest extends WithDatabase {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    private static final Pattern SESSION = Pattern.compile("console-session=([^;]+)");

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @Test
    void aStrangerIsSentToTheLoginFormWhoseSessionCookieIsHttpOnlyStrictAndSecure() throws Exception {
        assertThat(get("/console", null, null).headers().firstValue("Location").orElseThrow()).endsWith("/console/login");
        HttpResponse<String> form = get("/console/login", null, null);
        assertThat(form.statusCode()).isEqualTo(200);
        assertThat(form.body()).contains("name=\"key\"").containsPattern(CSRF);
        String cookie = form.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").contains("Secure");
    }

    @Test
    void onlyTheAdminKeyLogsInAndOnlyWithTheFormsCsrfToken() throws Exception {
        String agentKey = keys.create(UUID.randomUUID()).apiKey();
        Login page = loginPage();
        assertThat(post("/console/login", page.session(), "key=" + enc(ADMIN)).statusCode())
                .as("without the CSRF token").isEqualTo(403);
        for (String wrong : new String[] { "wrong-key-0123456789abcdefgh", agentKey, "" }) {
            Login again = loginPage();
            HttpResponse<String> refused = post("/console/login", again.session(),
                    "_csrf=" + enc(again.csrf()) + "&key=" + enc(wrong));
            assertThat(refused.statusCode()).isEqualTo(302);
            assertThat(refused.headers().firstValue("Location").orElseThrow()).endsWith("/console/login?error");
        }
        String session = logIn();
        HttpResponse<String> overview = get("/console", session, null);
        assertThat(overview.statusCode()).isEqualTo(200);
        assertThat(overview.body()).contains("<h1>Overview</h1>").contains("hx-headers=\"{&quot;X-CSRF-TOKEN&quot;")
                .contains("Audit worker unreachable").contains("Consumer lag").contains("Applied commands");
    }

    @Test
    void theConsoleAndTheApiDoNotOpenEachOther() throws Exception {
        String session = logIn();
        // a bearer key is the API's credential, not the console's
        assertThat(get("/console/agents", null, ADMIN).statusCode()).isEqualTo(302);
        // the console's session is not the API's credential
        assertThat(get("/admin/dead-letters/topics", session, null).statusCode()).isEqualTo(401);
        assertThat(get("/admin/dead-letters/topics", null, ADMIN).statusCode()).isEqualTo(200);
        // an action without the CSRF token is refused, with it the request reaches the page (a bad value, named)
        assertThat(post("/console/jobs/cancellation", session, "state=QUEUED").statusCode()).isEqualTo(403);
        String csrf = csrfOf(get("/console/jobs", session, null).body());
        HttpResponse<String> invalid = post("/console/jobs/cancellation", session, "_csrf=" + enc(csrf) + "&state=DONE");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("state: must be one of").doesNotContain("Exception");
        HttpResponse<String> finished = post("/console/jobs/cancellation", session, "_csrf=" + enc(csrf) + "&state=SUCCEEDED");
        assertThat(finished.statusCode()).isEqualTo(400);
        assertThat(finished.body()).contains("SUCCEEDED jobs are finished");
        // logging out ends the session
        assertThat(post("/console/logout", session, "_csrf=" + enc(csrf)).headers().firstValue("Location").orElseThrow())
                .endsWith("/console/login?logout");
        assertThat(get("/console", session, null).statusCode()).isEqualTo(302);
    }

    private record Login(String session, String csrf) {
    }

    private Login loginPage() throws Exception {
        HttpResponse<String> form = get("/console/login", null, null);
        return new Login(sessionOf(form), csrfOf(form.body()));
    }

    /** The session a successful login gives (a new one: the id changes at login). */
    private String logIn() throws Exception {
        Login page = loginPage();
        HttpResponse<String> in = post("/console/login", page.session(), "_csrf=" + enc(page.csrf()) + "&key=" + enc(ADMIN));
        assertThat(in.statusCode()).isEqualTo(302);
        assertThat(in.headers().firstValue("Location").orElseThrow()).endsWith("/console");
        String session = sessionOf(in);
        assertThat(session).isNotEqualTo(page.session());
        return session;
    }

    private HttpResponse<String> get(String path, String session, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
        if (session != null) {
            request.header("Cookie", "console-session=" + session);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String session, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Cookie", "console-session=" + session)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sessionOf(HttpResponse<?> response) {
        Matcher m = SESSION.matcher(String.join(";", response.headers().allValues("Set-Cookie")));
        assertThat(m.find()).as("a session cookie").isTrue();
        return m.group(1);
    }

    private static String csrfOf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("a CSRF token in the form").isTrue();
        return m.group(1);
    }

    private static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
