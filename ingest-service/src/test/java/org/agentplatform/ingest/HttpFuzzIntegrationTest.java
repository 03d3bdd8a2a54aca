package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.ledger.Accounts;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Thousands of generated hostile requests across every endpoint (random and mutated bodies, NUL, huge and
 * malformed strings, wrong types, random and other callers' ids, other callers' keys, bad headers), seeded and
 * so reproducible: {@code -Dfuzz.seed=<seed> -Dfuzz.requests=<n>}. No answer may be a 5xx (a 503 only with
 * Retry-After, and no dependency is down here). Every command accepted with a 202 must reach a recorded outcome,
 * and the ledger must still sum to zero.
 */
class HttpFuzzIntegrationTest extends WithWorkers {

    static final long SEED = Long.getLong("fuzz.seed", 0x5eed_2026L);
    static final int REQUESTS = Integer.getInteger("fuzz.requests", 3000);

    Random random;
    Agent a;
    Agent b;
    final List<String> ids = new ArrayList<>();
    final List<String> keys = new ArrayList<>();

    @Test
    void hostileRequestsNeverGetA5xxAndEveryAcceptedCommandEnds() {
        random = new Random(SEED);
        a = register("fuzz-a");
        b = register("fuzz-b");
        for (Agent agent : List.of(a, b)) {
            assertThat(post("/karma/grants", ADMIN, "{\"accountId\":\"%s\",\"amount\":1000}".formatted(agent.id())).status())
                    .isEqualTo(202);
        }
        ids.addAll(List.of(a.id().toString(), b.id().toString(), Accounts.TREASURY.toString(), JobEscrow.ACCOUNT.toString()));
        keys.addAll(List.of(ADMIN, a.key(), b.key()));

        Set<UUID> accepted = new HashSet<>();
        List<String> failures = new ArrayList<>();
        Map<Integer, Integer> statuses = new LinkedHashMap<>();
        long start = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            Request request = request();
            Answer answer;
            try {
                answer = send(request.method(), request.path(), request.key(), request.body(), request.headers());
            } catch (IllegalArgumentException unsendable) {
                continue; // a header value the HTTP client itself refuses to put on the wire
            }
            statuses.merge(answer.status(), 1, Integer::sum);
            boolean serverError = answer.status() >= 500
                    && !(answer.status() == 503 && answer.header("Retry-After") != null);
            if (serverError) {
                failures.add("#" + i + " " + request + " -> " + answer.status() + " " + answer.text());
            }
            JsonNode json = answer.json();
            if (json != null && json.isObject()) {
                if (answer.status() == 202 && json.has("commandId")) {
                    accepted.add(UUID.fromString(json.get("commandId").asString()));
                }
                for (String field : List.of("commandId", "claimId", "jobId", "pendingId", "agentId", "keyId")) {
                    if (json.has(field) && ids.size() < 500) {
                        ids.add(json.get(field).asString());
                    }
                }
                if (json.has("apiKey")) {
                    keys.add(json.get("apiKey").asString());
                }
            }
        }
        System.out.printf("fuzz: seed %d, %d requests in %.1f s, statuses %s, %d accepted%n", SEED, REQUESTS,
                (System.nanoTime() - start) / 1e9, statuses, accepted.size());

        assertThat(failures).as("5xx answers (seed " + SEED + ")").isEmpty();
        assertThat(accepted).isNotEmpty();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            Set<UUID> handled = new HashSet<>(jdbc.sql("select command_id from processed_commands").query(UUID.class).list());
            assertThat(accepted).as("accepted commands without a recorded outcome").allMatch(handled::contains);
        });
        assertThat(jdbc.sql("select coalesce(sum(balance), 0) from accounts").query(Long.class).single()).isZero();
    }

    record Request(String method, String path, String key, String body, String[] headers) {

        @Override
        public String toString() {
            String shown = body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "…(" + body.length() + ")" : body;
            return method + " " + path + " key=" + (key == null ? null : key.length() > 12 ? key.substring(0, 12) + "…" : key)
                    + " headers=" + List.of(headers) + " body=" + shown;
        }
    }

    // ------------------------------------------------------------------ generators

    private Request request() {
        String key = pick(0.8) ? keys.get(random.nextInt(keys.size())) : oneOf(null, "garbage", ADMIN + "x", "",
                "ak_abcdefgh_" + "A".repeat(43), "ak_" + "z".repeat(60), "Bearer " + ADMIN);
        String[] headers = headers();
        int endpoint = random.nextInt(32);
        String id = id();
        switch (endpoint) {
            case 0:
                return new Request("POST", "/agents", key, maybeMutate(object("agentId", pick(0.5) ? "\"" + UUID.randomUUID() + "\"" : uuid(),
                        "name", text())), headers);
            case 1:
                return new Request("POST", "/agents/" + id + "/suspension", key, null, headers);
            case 2:
                return new Request("POST", "/agents/" + id + "/reactivation", key, null, headers);
            case 3:
                return new Request("POST", "/agents/" + id + "/keys", key, null, headers);
            case 4:
                return new Request("GET", "/agents/" + id + "/keys", key, null, headers);
            case 5:
                return new Request("DELETE", "/agents/" + id + "/keys/" + id(), key, null, headers);
            case 6:
                return new Request("POST", "/karma/grants", key, maybeMutate(object("accountId", uuid(), "amount", amount())), headers);
            case 7:
            case 8:
                return new Request("POST", "/karma/transfers", key, maybeMutate(transfer()), headers);
            case 9:
                return new Request("POST", "/karma/batches", key, maybeMutate(batch()), headers);
            case 10:
                return new Request("POST", "/karma/reservations", key, maybeMutate(object("debitAccountId", uuid(),
                        "creditAccountId", uuid(), "amount", amount(), "expiresAt", instant())), headers);
            case 11:
                return new Request("POST", "/karma/reservations/" + id + "/post", key, null, headers);
            case 12:
                return new Request("POST", "/karma/reservations/" + id + "/void", key, null, headers);
            case 13:
            case 14:
                return new Request("POST", "/claims", key, maybeMutate(object("claimId", pick(0.7) ? null : uuid(),
                        "claimantId", pick(0.7) ? null : uuid(), "subject", text(), "statement", text(),
                        "evidence", pick(0.5) ? json(0) : null, "stake", pick(0.5) ? null : amount())), headers);
            case 15:
                return new Request("POST", "/claims/" + id + "/verifications", key, null, headers);
            case 16:
                return new Request("POST", "/claims/" + id + "/disputes", key, null, headers);
            case 17:
            case 18:
                return new Request("POST", "/jobs", key, maybeMutate(object("jobId", pick(0.7) ? null : uuid(),
                        "spec", json(0), "priority", pick(0.5) ? null : integer(), "maxAttempts", pick(0.5) ? null : integer(),
                        "leaseTimeout", pick(0.6) ? null : oneOf("\"PT30S\"", "\"PT0S\"", "\"-PT1S\"", "\"P9999999D\"", "\"soon\"", "5"),
                        "price", pick(0.6) ? null : amount())), headers);
            case 19:
                return new Request("POST", "/jobs/leases", key, null, headers);
            case 20:
                return new Request("GET", "/jobs/leases", key, null, headers);
            case 21:
                return new Request("POST", "/jobs/" + id + "/heartbeats", key, maybeMutate(object("fencingToken", integer())), headers);
            case 22:
                return new Request("POST", "/jobs/" + id + "/completion", key,
                        maybeMutate(object("fencingToken", integer(), "result", json(0))), headers);
            case 23:
                return new Request("POST", "/jobs/" + id + "/failure", key, maybeMutate(object("fencingToken", integer(),
                        "error", text(), "retryable", oneOf("true", "false", "\"yes\"", "null"))), headers);
            case 24:
                return new Request("POST", "/jobs/" + id + "/cancellation", key, null, headers);
            case 25:
                return new Request("GET", "/commands/" + id, key, null, headers);
            case 26:
                return new Request("GET", "/accounts/" + id + (pick(0.5) ? "" : "?recent=" + oneOf("0", "5", "100", "101", "-1", "x")),
                        key, null, headers);
            case 27:
                return new Request("GET", "/agents/" + id, key, null, headers);
            case 28:
                return new Request("GET", "/claims/" + id, key, null, headers);
            case 29:
                return new Request("GET", "/jobs/" + id, key, null, headers);
            case 30:
                return new Request(oneOf("PUT", "PATCH", "DELETE", "GET"), oneOf("/karma/grants", "/agents", "/claims", "/jobs"),
                        key, pick(0.5) ? null : transfer(), headers);
            default:
                return new Request(oneOf("GET", "POST"), oneOf("/", "/nope", "/agents/%00", "/commands/" + "9".repeat(40),
                        "/jobs/" + id + "/nope", "/karma", "/v3/api-docs", "/actuator/health"), key,
                        pick(0.5) ? null : text(), headers);
        }
    }

    private String[] headers() {
        List<String> headers = new ArrayList<>();
        if (pick(0.3)) {
            headers.add("Idempotency-Key");
            headers.add(oneOf("k-" + random.nextInt(20), "k-" + random.nextInt(20), "with space", "x".repeat(300), "",
                    "k\t1", "ÿ"));
        }
        if (pick(0.1)) {
            headers.add("Content-Type");
            headers.add(oneOf("text/plain", "application/json; charset=ISO-8859-1", "application/xml", "application/json;;",
                    "*/*", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"));
        }
        if (pick(0.05)) {
            headers.add("Authorization");
            headers.add(oneOf("Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer  " + ADMIN, "bearer " + ADMIN, "Token " + ADMIN));
        }
        if (pick(0.05)) {
            headers.add("Accept");
            headers.add(oneOf("text/html", "application/xml", "image/png", "*/*;q=x"));
        }
        return headers.toArray(String[]::new);
    }

    private String transfer() {
        return object("debitAccountId", uuid(), "creditAccountId", uuid(), "amount", amount());
    }

    private String batch() {
        int n = pick(0.1) ? 101 + random.nextInt(5) : random.nextInt(4);
        StringBuilder legs = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            legs.append(i == 0 ? "" : ",").append(pick(0.9) ? transfer() : oneOf("null", "1", "\"leg\"", "[]"));
        }
        return object("transfers", legs.append(']').toString());
    }

    /** A JSON object; a null value leaves the field out, occasionally it is sent as JSON null or a wrong type. */
    private String object(String... fieldsAndValues) {
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i + 1 < fieldsAndValues.length; i += 2) {
            String value = fieldsAndValues[i + 1];
            if (pick(0.03)) {
                value = oneOf("null", "[]", "{}", "true", "\"\"");
            }
            if (value == null) {
                continue;
            }
            json.append(json.length() > 1 ? "," : "").append('"').append(fieldsAndValues[i]).append("\":").append(value);
        }
        if (pick(0.03)) {
            json.append(json.length() > 1 ? "," : "").append("\"unexpected\":1");
        }
        return json.append('}').toString();
    }

    private String maybeMutate(String body) {
        if (!pick(0.12)) {
            return body;
        }
        switch (random.nextInt(7)) {
            case 0:
                return body.substring(0, random.nextInt(body.length() + 1));
            case 1: {
                int at = random.nextInt(body.length() + 1);
                return body.substring(0, at) + (char) random.nextInt(0x80) + body.substring(at);
            }
            case 2:
                return oneOf("[]", "null", "42", "\"string\"", "", "{", "}", "{}{}");
            case 3:
                return body + body;
            case 4:
                return body.replace("\"", "'");
            case 5:
                return "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}";
            default:
                return body.replace(":", ":" + "\"\\u0000\",\"x\":");
        }
    }

    private String text() {
        switch (random.nextInt(14)) {
            case 0:
                return "\"\"";
            case 1:
                return "\"nul\\u0000inside\"";
            case 2:
                return "\"" + "x".repeat(10_001) + "\"";
            case 3:
                return "\"" + "y".repeat(70_000) + "\"";
            case 4:
                return "\"lone \\ud800 surrogate\"";
            case 5:
                return "\"emoji 🦜 and ñ\"";
            case 6:
                return oneOf("42", "true", "null", "{}", "[\"a\"]", "1e999");
            case 7:
                return "\"'; drop table agents; --\"";
            case 8:
                return "\"   \"";
            case 9:
                return "\"\\ud83e\\udd9c" + "z".repeat(random.nextInt(600)) + "\"";
            default:
                return "\"word-" + random.nextInt(1000) + "\"";
        }
    }

    private String uuid() {
        if (pick(0.15)) {
            return oneOf("\"not-a-uuid\"", "42", "\"\"", "\"00000000-0000-0000-0000-000000000000\"",
                    "\"" + UUID.randomUUID().toString().toUpperCase() + "\"", "\"{" + UUID.randomUUID() + "}\"");
        }
        return "\"" + id() + "\"";
    }

    private String id() {
        if (pick(0.05)) {
            return oneOf("not-a-uuid", "%00", "..", "00000000-0000-0000-0000-00000000000g", "1");
        }
        return pick(0.25) ? UUID.randomUUID().toString() : ids.get(random.nextInt(ids.size()));
    }

    private String amount() {
        return oneOf("1", "5", "30", String.valueOf(1 + random.nextInt(2000)), "0", "-1", "9223372036854775807",
                "9223372036854775808", "1.5", "1e30", "\"10\"", "NaN");
    }

    private String integer() {
        return oneOf("0", "1", "3", "100", "101", "-1", "2147483648", "9223372036854775807", "1e3", "\"1\"");
    }

    private String instant() {
        return oneOf("\"2999-01-01T00:00:00Z\"", "\"+300000-01-01T00:00:00Z\"", "\"-5000-01-01T00:00:00Z\"",
                "\"2020-01-01T00:00:00Z\"", "\"tomorrow\"", "1700000000", "\"2999-13-45T99:00:00Z\"",
                "\"+1000000000-12-31T23:59:59Z\"");
    }

    /** Free-form JSON: nested, wide, with NUL in keys and values, numbers PostgreSQL cannot hold. */
    private String json(int depth) {
        if (depth > 40 || pick(depth == 0 ? 0.05 : 0.3)) {
            return oneOf("1", "\"s\"", "\"\\u0000\"", "1e400", "-0", "true", "null", "123456789012345678901234567890",
                    "\"" + "q".repeat(random.nextInt(100)) + "\"");
        }
        if (pick(0.2)) {
            StringBuilder array = new StringBuilder("[");
            int n = random.nextInt(4);
            for (int i = 0; i < n; i++) {
                array.append(i == 0 ? "" : ",").append(json(depth + 1));
            }
            return array.append(']').toString();
        }
        StringBuilder object = new StringBuilder("{");
        int n = 1 + random.nextInt(depth > 3 ? 1 : 3);
        for (int i = 0; i < n; i++) {
            String key = pick(0.05) ? "k\\u0000" : "k" + random.nextInt(5);
            object.append(i == 0 ? "" : ",").append('"').append(key).append("\":").append(json(depth + 1));
        }
        return object.append('}').toString();
    }

    private boolean pick(double probability) {
        return random.nextDouble() < probability;
    }

    @SafeVarargs
    private <T> T oneOf(T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
