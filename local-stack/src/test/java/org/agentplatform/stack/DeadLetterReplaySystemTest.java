package org.agentplatform.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TopicTail;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.JsonNode;

/**
 * Dead letters as an operator meets them, on the whole stack: a poison command (the database refuses it until the
 * operator fixes the cause) and a malformed one (a version no worker reads) are dead-lettered with an outcome at
 * {@code GET /commands/{id}}, listed and shown by the admin API, replayed under audit (the poison, once fixed, is
 * applied once however often it is replayed), and the malformed one is quarantined once it came back too often.
 */
class DeadLetterReplaySystemTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final String DLT = "commands.karma.dlt";
    private static final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    static Path dataDir;
    static LocalStack.Options options;
    static LocalStack stack;
    static JdbcTemplate jdbc;
    static StackApi api;

    @BeforeAll
    static void startStack() {
        options = LocalStack.Options.onFreePorts(dataDir);
        stack = LocalStack.start(options, Map.of("ingest.dead-letters.run-interval", "200ms",
                "ingest.dead-letters.stale-after", "5s"));
        jdbc = new JdbcTemplate(stack.postgres().dataSource(LocalStack.DATABASE));
        api = new StackApi(options, stack);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void poisonAndMalformedCommandsAreDeadLetteredListedReplayedUnderAuditAndQuarantined() throws Exception {
        UUID alice = UUID.randomUUID();
        String aliceKey = send("POST", "/agents", stack.adminKey(), """
                {"agentId":"%s","name":"alice"}""".formatted(alice), 201).get("apiKey").asString();

        StackApi.refuseGrantsOf777(jdbc);
        UUID poison = commandId(send("POST", "/karma/grants", stack.adminKey(), """
                {"accountId":"%s","amount":777}""".formatted(alice), 202));
        JsonNode dead = awaitStatus(poison, "DEAD_LETTERED");
        assertThat(dead.get("reason").asString()).isEqualTo("COMMAND_FAILED");
        assertThat(dead.get("detail").asString()).contains("SQLSTATE P0001");

        // a producer writing a version no worker reads: unreadable, but its id is, so it has an outcome too
        UUID malformed = UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>("commands.karma", alice.toString(), """
                    {"id":"%s","type":"TransferKarma","schemaVersion":99,"occurredAt":"2026-12-03T10:00:00Z",
                     "actor":"payroll-service","correlationId":"%s","causationId":null,
                     "payload":{"debitAccountId":"%s","creditAccountId":"%s","amount":5}}"""
                    .formatted(malformed, malformed, alice, UUID.randomUUID()))).get();
        }
        JsonNode unreadable = awaitStatus(malformed, "DEAD_LETTERED");
        assertThat(unreadable.get("reason").asString()).isEqualTo("MALFORMED_COMMAND");
        assertThat(unreadable.get("detail").asString()).contains("unsupported schemaVersion 99");

        // browsing is the admin's
        assertThat(request("GET", "/admin/dead-letters?topic=" + DLT, aliceKey, null).statusCode()).isEqualTo(403);
        assertThat(request("GET", "/admin/dead-letters?topic=events.karma", stack.adminKey(), null).statusCode())
                .as("only dead-letter topics").isEqualTo(400);
        JsonNode listed = send("GET", "/admin/dead-letters?topic=" + DLT + "&reason=replay-test", stack.adminKey(), null, 200);
        assertThat(listed.get("complete").asBoolean()).isTrue();
        assertThat(listed.get("deadLetters")).hasSize(1);
        JsonNode letter = listed.get("deadLetters").get(0);
        assertThat(letter.get("originalTopic").asString()).isEqualTo("commands.karma");
        assertThat(letter.get("reason").asString()).contains("amounts of 777 are refused");
        assertThat(letter.get("replayCount").asInt()).isZero();
        JsonNode shown = send("GET", "/admin/dead-letters/" + letter.get("id").asString(), stack.adminKey(), null, 200);
        assertThat(shown.get("payload").get("id").asString()).isEqualTo(poison.toString());
        assertThat(shown.get("headers").get("kafka_dlt-original-topic").asString()).isEqualTo("commands.karma");
        assertThat(send("GET", "/admin/dead-letters?topic=" + DLT + "&reason=schemaVersion%2099", stack.adminKey(), null, 200)
                .get("deadLetters")).hasSize(1);

        // what the audited table or Kafka's clock cannot hold is refused at the edge, naming the field
        assertThat(send("POST", "/admin/dead-letters/replays", stack.adminKey(), """
                {"topic":"%s","reason":"nul \\u0000 here"}""".formatted(DLT), 400).get("errors").get(0).get("field")
                .asString()).isEqualTo("reason");
        assertThat(send("POST", "/admin/dead-letters/replays", stack.adminKey(), """
                {"topic":"%s","from":"+300000-01-01T00:00:00Z"}""".formatted(DLT), 400).get("errors").get(0).get("field")
                .asString()).isEqualTo("from");

        // the operator fixes the cause and replays what matches: the poison is applied, once
        StackApi.acceptGrantsOf777Again(jdbc);
        JsonNode fixed = awaitDone(send("POST", "/admin/dead-letters/replays", stack.adminKey(), """
                {"topic":"%s","reason":"replay-test"}""".formatted(DLT), 202));
        assertThat(fixed.get("replayed").asLong()).isEqualTo(1);
        assertThat(fixed.get("skipped").asLong()).as("the malformed one does not match").isEqualTo(1);
        assertThat(fixed.get("requestedBy").asString()).isEqualTo("admin");
        assertThat(awaitStatus(poison, "APPLIED").has("reason")).isFalse();
        assertThat(balance(alice)).isEqualTo(777);

        // the same dead letter replayed once more, by partition and offset: a duplicate, not a second grant
        JsonNode again = awaitDone(send("POST", "/admin/dead-letters/replays", stack.adminKey(), """
                {"topic":"%s","partition":%d,"offset":%d}""".formatted(DLT, letter.get("partition").asInt(),
                letter.get("offset").asLong()), 202));
        assertThat(again.get("replayed").asLong()).isEqualTo(1);
        assertThat(again.get("skipped").asLong()).isZero();
        // a grant under the same key, sent after the replay committed, is behind the replayed copy on its partition
        awaitStatus(commandId(send("POST", "/karma/grants", stack.adminKey(), """
                {"accountId":"%s","amount":1}""".formatted(alice), 202)), "APPLIED");
        assertThat(balance(alice)).isEqualTo(778);
        assertThat(jdbc.queryForObject("select count(*) from transfers where amount = 777", Long.class)).isEqualTo(1);

        // the malformed one comes back as it left: after one replay it is dead-lettered again, marked, and the next
        // request parks that copy on the quarantine topic (the first dead letter, never replayed, goes back again)
        JsonNode first = awaitDone(send("POST", "/admin/dead-letters/replays", stack.adminKey(), """
                {"topic":"%s","reason":"schemaVersion 99","maxReplays":1}""".formatted(DLT), 202));
        assertThat(first.get("replayed").asLong()).isEqualTo(1);
        await().atMost(PATIENCE).until(() -> send("GET", "/admin/dead-letters?topic=" + DLT + "&reason=schemaVersion%2099",
                stack.adminKey(), null, 200).get("deadLetters").size() == 2);
        try (TopicTail quarantine = new TopicTail(stack.kafka().bootstrapServers(), "commands.karma.quarantine")) {
            JsonNode parked = awaitDone(send("POST", "/admin/dead-letters/replays", stack.adminKey(), """
                    {"topic":"%s","reason":"schemaVersion 99","maxReplays":1}""".formatted(DLT), 202));
            assertThat(parked.get("quarantined").asLong()).isEqualTo(1);
            assertThat(parked.get("replayed").asLong()).isEqualTo(1);
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(quarantine.records()).singleElement().satisfies(r -> {
                assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains(malformed.toString());
                assertThat(new String(r.headers().lastHeader("replay-request").value(), StandardCharsets.UTF_8))
                        .isEqualTo(parked.get("id").asString());
                assertThat(new String(r.headers().lastHeader("replay-count").value(), StandardCharsets.UTF_8))
                        .isEqualTo("1");
            }));
        }
        assertThat(awaitStatus(malformed, "DEAD_LETTERED").get("reason").asString()).isEqualTo("MALFORMED_COMMAND");

        // every request and each change of its status is in the hash-chained audit log, which verifies
        List<String> ids = new ArrayList<>();
        send("GET", "/admin/dead-letters/replays", stack.adminKey(), null, 200).forEach(r -> ids.add(r.get("id").asString()));
        assertThat(ids).hasSize(4);
        await().atMost(PATIENCE).untilAsserted(() -> {
            for (String id : ids) {
                assertThat(jdbc.queryForList("""
                        select change::jsonb -> 'after' ->> 'status' from audit_log
                        where table_name = 'dead_letter_replays' and primary_key::jsonb ->> 'id' = ? order by seq""",
                        String.class, id)).as("audit trail of replay " + id).startsWith("REQUESTED").endsWith("DONE");
            }
            HttpResponse<String> verify = http.send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + (options.httpPort() + 3) + "/audit/verify")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(verify.statusCode()).as(verify.body()).isEqualTo(200);
        });
    }

    private static JsonNode awaitDone(JsonNode replay) {
        String id = replay.get("id").asString();
        assertThat(replay.get("status").asString()).isEqualTo("REQUESTED");
        JsonNode done = await().atMost(PATIENCE).until(() -> send("GET", "/admin/dead-letters/replays/" + id,
                stack.adminKey(), null, 200), r -> !List.of("REQUESTED", "RUNNING").contains(r.get("status").asString()));
        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("DONE");
        return done;
    }

    private static JsonNode awaitStatus(UUID commandId, String status) {
        return api.awaitStatus(commandId, status);
    }

    private static long balance(UUID account) {
        return jdbc.queryForObject("select balance from accounts where id = ?", Long.class, account);
    }

    private static UUID commandId(JsonNode answer) {
        return StackApi.commandId(answer);
    }

    private static JsonNode send(String method, String path, String key, String body, int expected) throws Exception {
        return api.send(method, path, key, body, expected);
    }

    private static HttpResponse<String> request(String method, String path, String key, String body) throws Exception {
        return api.request(method, path, key, body);
    }
}
