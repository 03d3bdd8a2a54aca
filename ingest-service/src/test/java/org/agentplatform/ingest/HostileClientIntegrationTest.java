package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.messaging.Topics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * One test per hole a hostile client could use, each of which the previous edge let through: text the database
 * cannot store, reads of other callers' commands and jobs, reservations resolved by a non-controller, predictable
 * command ids, keys handed out before (or without) a registration, keys for system accounts.
 */
class HostileClientIntegrationTest extends WithWorkers {

    static final Topics topics = new Topics(env.topicPrefix());
    static TopicSnapshot karmaTopic;
    static TopicSnapshot claimTopic;
    static TopicSnapshot jobTopic;

    Agent alice;
    Agent bob;

    @BeforeEach
    void agents() {
        if (karmaTopic == null) {
            karmaTopic = new TopicSnapshot(env.bootstrapServers(), topics.karmaCommands());
            claimTopic = new TopicSnapshot(env.bootstrapServers(), topics.claimCommands());
            jobTopic = new TopicSnapshot(env.bootstrapServers(), topics.jobCommands());
        }
        alice = register("alice");
        bob = register("bob");
    }

    @AfterAll
    static void closeReaders() {
        for (TopicSnapshot reader : new TopicSnapshot[] { karmaTopic, claimTopic, jobTopic }) {
            if (reader != null) {
                reader.close();
            }
        }
    }

    // ------------------------------------------------------------------ what the database cannot store

    @Test
    void aNulInAClaimStatementIsA400NamingItAndNothingIsPublished() {
        long before = claimTopic.size();
        Answer answer = post("/claims", alice.key(), "{\"subject\":\"s\",\"statement\":\"true\\u0000DROP\"}");
        assertInvalid(answer, "statement");
        assertThat(claimTopic.size()).isEqualTo(before);
    }

    @Test
    void aNulInAJobSpecIsA400NamingItAndNothingIsPublished() {
        long before = jobTopic.size();
        Answer answer = post("/jobs", alice.key(), "{\"spec\":{\"image\":\"x\\u0000\"}}");
        assertInvalid(answer, "spec.image");
        assertThat(jobTopic.size()).isEqualTo(before);
    }

    @Test
    void aNulInAnAgentNameIsA400NamingItAndNothingIsPublished() {
        long before = karmaTopic.size();
        Answer answer = post("/agents", ADMIN, "{\"name\":\"ev\\u0000il\"}");
        assertInvalid(answer, "name");
        assertThat(karmaTopic.size()).isEqualTo(before);
    }

    @Test
    void anExpiryBeyondPostgresRangeIsA400NamingItAndNothingIsPublished() {
        long before = karmaTopic.size();
        Answer answer = post("/karma/reservations", alice.key(), """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1,"expiresAt":"+300000-01-01T00:00:00Z"}"""
                .formatted(alice.id(), bob.id()));
        assertInvalid(answer, "expiresAt");
        assertThat(karmaTopic.size()).isEqualTo(before);
    }

    // ------------------------------------------------------------------ reads of what is not yours

    @Test
    void anotherAgentsCommandOutcomeIsA404() {
        UUID bobs = post("/karma/transfers", bob.key(), """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(bob.id(), alice.id())).commandId();

        assertThat(get("/commands/" + bobs, bob.key()).status()).isEqualTo(200);
        assertThat(get("/commands/" + bobs, ADMIN).status()).isEqualTo(200);
        Answer alices = get("/commands/" + bobs, alice.key());
        assertThat(alices.status()).isEqualTo(404);
        assertThat(alices.text()).doesNotContain("PENDING", "APPLIED", "REJECTED");
    }

    @Test
    void aRandomCommandIdIsA404() {
        assertThat(get("/commands/" + UUID.randomUUID(), alice.key()).status()).isEqualTo(404);
        assertThat(get("/commands/" + UUID.randomUUID(), ADMIN).status()).isEqualTo(404);
    }

    @Test
    void anotherAgentsJobIsA404() {
        UUID job = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("""
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                  fencing_token, spec, created_at, updated_at)
                values (?, ?, 'CANCELLED', 0, 0, 3, 30000, ?, 0, '{"secret":"s"}'::jsonb, ?, ?)""")
                .params(job, alice.id(), now.plusDays(365), now, now).update();

        assertThat(get("/jobs/" + job, alice.key()).status()).isEqualTo(200);
        assertThat(get("/jobs/" + job, ADMIN).status()).isEqualTo(200);
        Answer bobs = get("/jobs/" + job, bob.key());
        assertThat(bobs.status()).isEqualTo(404);
        assertThat(bobs.text()).doesNotContain("secret");
    }

    // ------------------------------------------------------------------ acting on what is not yours

    @Test
    void aReservationIsPostedOrVoidedOnlyByItsController() {
        // a reservation alice made for bob, as the ledger records it (alice controls it)
        UUID pendingId = UUID.randomUUID();
        jdbc.sql("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status, expires_at, controller,
                  debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at)
                values (?, ?, ?, 5, 'ESCROW', 'PENDING', ?, ?, 0, 0, 0, 0, ?)""")
                .params(pendingId, alice.id(), bob.id(), OffsetDateTime.parse("2999-01-01T00:00:00Z"), alice.id().toString(),
                        OffsetDateTime.now(ZoneOffset.UTC)).update();
        long before = karmaTopic.size();

        // the payee must not release (or take) what it was only promised
        Answer voided = post("/karma/reservations/" + pendingId + "/void", bob.key(), null);
        assertThat(voided.status()).as(voided.text()).isEqualTo(403);
        assertThat(voided.json().get("field").asString()).isEqualTo("pendingId");
        assertThat(post("/karma/reservations/" + pendingId + "/post", bob.key(), null).status()).isEqualTo(403);
        assertThat(post("/karma/reservations/" + pendingId + "/void", ADMIN, null).status()).isEqualTo(403);
        assertThat(karmaTopic.size()).isEqualTo(before);
    }

    @Test
    void idsFromTheSameIdempotencyKeyByTwoCallersDifferAndCannotBeDerived() throws Exception {
        String key = "pay-" + UUID.randomUUID();
        UUID alices = post("/karma/transfers", alice.key(), """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(alice.id(), bob.id()),
                "Idempotency-Key", key).commandId();
        UUID bobs = post("/karma/transfers", bob.key(), """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(bob.id(), alice.id()),
                "Idempotency-Key", key).commandId();

        assertThat(alices).isNotEqualTo(bobs);
        // random (version 4), not the name-based id anyone could compute from the caller and the key
        assertThat(alices.version()).isEqualTo(4);
        assertThat(bobs.version()).isEqualTo(4);
        assertThat(alices).isNotEqualTo(formerDerivation(alice.id().toString(), key));
        // a retry still reuses the stored id
        assertThat(post("/karma/transfers", alice.key(), """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(alice.id(), bob.id()),
                "Idempotency-Key", key).commandId()).isEqualTo(alices);
    }

    // ------------------------------------------------------------------ keys

    @Test
    void registrationAnswers201WithAKeyOnlyOnceTheAgentExists() {
        UUID id = UUID.randomUUID();
        Answer answer = post("/agents", ADMIN, "{\"agentId\":\"%s\",\"name\":\"ada\"}".formatted(id));

        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        assertThat(answer.header("Location")).isEqualTo("/agents/" + id);
        // the agent row was there when the key was minted, and the key works
        assertThat(jdbc.sql("select count(*) from agents where id = ?").param(id).query(Long.class).single()).isOne();
        String key = answer.json().get("apiKey").asString();
        assertThat(get("/agents/" + id + "/keys", key).status()).isEqualTo(200);
        assertThat(get("/commands/" + answer.commandId(), ADMIN).json().get("status").asString()).isEqualTo("APPLIED");
    }

    @Test
    void aReplayedRegistrationNeverShowsTheKeyAgain() {
        String idempotencyKey = "agent-" + UUID.randomUUID();
        Answer first = post("/agents", ADMIN, "{\"name\":\"linus\"}", "Idempotency-Key", idempotencyKey);
        Answer retry = post("/agents", ADMIN, "{\"name\":\"linus\"}", "Idempotency-Key", idempotencyKey);

        assertThat(first.status()).as(first.text()).isEqualTo(201);
        assertThat(retry.status()).isEqualTo(201);
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.json().get("agentId")).isEqualTo(first.json().get("agentId"));
        assertThat(retry.json().get("keyId")).isEqualTo(first.json().get("keyId"));
        String apiKey = first.json().get("apiKey").asString();
        assertThat(retry.text()).doesNotContain(apiKey.substring(12)).doesNotContain("apiKey");
        assertThat(jdbc.sql("select count(*) from idempotency_keys where strpos(response_body, ?) > 0")
                .param(apiKey.substring(12)).query(Long.class).single()).isZero();
    }

    @Test
    void aRejectedRegistrationIssuesNoKey() {
        Answer again = post("/agents", ADMIN, "{\"agentId\":\"%s\",\"name\":\"alice again\"}".formatted(alice.id()));

        assertThat(again.status()).as(again.text()).isEqualTo(409);
        assertThat(again.text()).doesNotContain("apiKey").doesNotContain("ak_");
        assertThat(again.json().get("reason").asString()).isNotBlank();
        // the only key is the one the first registration issued
        assertThat(jdbc.sql("select count(*) from api_keys where agent_id = ?").param(alice.id()).query(Long.class).single())
                .isOne();
    }

    @Test
    void aKeyForASystemAccountOrAnUnregisteredAgentIsRefused() {
        Answer treasury = post("/agents/" + Accounts.TREASURY + "/keys", ADMIN, null);
        assertThat(treasury.status()).as(treasury.text()).isEqualTo(409);
        assertThat(treasury.text()).doesNotContain("ak_");
        Answer nobody = post("/agents/" + UUID.randomUUID() + "/keys", ADMIN, null);
        assertThat(nobody.status()).isEqualTo(404);
        assertThat(jdbc.sql("select count(*) from api_keys where agent_id = ?").param(Accounts.TREASURY)
                .query(Long.class).single()).isZero();
    }

    private static void assertInvalid(Answer answer, String field) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(400);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        JsonNode errors = answer.json().get("errors");
        assertThat(errors.valueStream().map(e -> e.get("field").asString())).as(answer.text()).contains(field);
    }

    /** How ids used to be made: a version 5 UUID over the caller and the key, computable by anyone. */
    private static UUID formerDerivation(String actor, String key) throws Exception {
        UUID namespace = UUID.fromString("5b0e2a57-8a3c-4c38-9a40-5e8b1f3f7a10");
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits()).array());
        byte[] hash = sha1.digest((actor.length() + ":" + actor + ":" + key).getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }
}
