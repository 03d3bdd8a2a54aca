package org.agentplatform.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The system tests' client of a running {@link LocalStack}'s HTTP API: requests with a bearer key, the answers as
 * JSON, and waiting for a command's outcome. Also the poison the dead-letter tests feed it: a database that refuses
 * grants of 777 until the operator "fixes the cause".
 */
final class StackApi {

    static final Duration PATIENCE = Duration.ofSeconds(60);
    static final JsonMapper json = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final String adminKey;

    StackApi(LocalStack.Options options, LocalStack stack) {
        this.port = options.httpPort();
        this.adminKey = stack.adminKey();
    }

    JsonNode send(String method, String path, String key, String body, int expected) throws Exception {
        HttpResponse<String> response = request(method, path, key, body);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isEqualTo(expected);
        return json.readTree(response.body());
    }

    HttpResponse<String> request(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code GET /commands/{id}} (as the admin) until the command has {@code status}. */
    JsonNode awaitStatus(UUID commandId, String status) {
        return await().atMost(PATIENCE).until(() -> send("GET", "/commands/" + commandId, adminKey, null, 200),
                outcome -> status.equals(outcome.get("status").asString()));
    }

    static UUID commandId(JsonNode answer) {
        return UUID.fromString(answer.get("commandId").asString());
    }

    /** The cause an operator will fix: the database refuses grants of 777 (a stand-in for a broken constraint). */
    static void refuseGrantsOf777(JdbcTemplate jdbc) {
        jdbc.execute("""
                create function refuse_777() returns trigger language plpgsql as $$
                begin
                  if new.amount = 777 then raise exception 'replay-test: amounts of 777 are refused'; end if;
                  return new;
                end $$;
                create trigger refuse_777 before insert on transfers for each row execute function refuse_777()""");
    }

    static void acceptGrantsOf777Again(JdbcTemplate jdbc) {
        jdbc.execute("drop trigger refuse_777 on transfers; drop function refuse_777()");
    }
}
