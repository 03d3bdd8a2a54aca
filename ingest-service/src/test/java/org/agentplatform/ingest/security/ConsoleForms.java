package org.agentplatform.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The console over plain HTTP, as a browser uses it: redirects not followed, the session cookie and CSRF by hand. */
final class ConsoleForms {

    static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
    static final Pattern SESSION = Pattern.compile("console-session=([^;]+)");

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final int port;

    ConsoleForms(int port) {
        this.port = port;
    }

    record Login(String session, String csrf) {
    }

    /** A fresh login form: its session and the CSRF token its post must carry. */
    Login loginPage() throws Exception {
        HttpResponse<String> form = get("/console/login", null, null);
        return new Login(sessionOf(form), csrfOf(form.body()));
    }

    /** Posts {@code key} to a fresh login form; the answer is a redirect (where to is the outcome). */
    HttpResponse<String> tryLogIn(String key) throws Exception {
        Login page = loginPage();
        return post("/console/login", page.session(), "_csrf=" + enc(page.csrf()) + "&key=" + enc(key));
    }

    /** The session a successful login gives (a new one: the id changes at login). */
    String logIn(String key) throws Exception {
        Login page = loginPage();
        HttpResponse<String> in = post("/console/login", page.session(), "_csrf=" + enc(page.csrf()) + "&key=" + enc(key));
        assertThat(in.statusCode()).isEqualTo(302);
        assertThat(in.headers().firstValue("Location").orElseThrow()).endsWith("/console");
        String session = sessionOf(in);
        assertThat(session).isNotEqualTo(page.session());
        return session;
    }

    HttpResponse<String> get(String path, String session, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET();
        if (session != null) {
            request.header("Cookie", "console-session=" + session);
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String session, String form) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Cookie", "console-session=" + session)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String sessionOf(HttpResponse<?> response) {
        Matcher m = SESSION.matcher(String.join(";", response.headers().allValues("Set-Cookie")));
        assertThat(m.find()).as("a session cookie").isTrue();
        return m.group(1);
    }

    static String csrfOf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("a CSRF token in the form").isTrue();
        return m.group(1);
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
