package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;

import org.agentplatform.ingest.commands.CommandOutcomes;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;
import org.springframework.test.web.servlet.client.RestTestClient.ResponseSpec;

import tools.jackson.databind.JsonNode;

/**
 * The HTTP API over a real broker and a real PostgreSQL. Assertions are on what lands in Kafka and on
 * reads of rows the test writes itself (the ledger worker is not part of this test, so a registration answers
 * 202 at once and the test writes the agent's row as the ledger would; {@link HostileClientIntegrationTest} runs the workers).
 */
@TestPropertySource(properties = "ingest.registration.timeout=0s")
class IngestApiIntegrationTest extends AbstractIngestIntegrationTest {

    final Topics topics = new Topics(env.topicPrefix());

    static TopicSnapshot karmaTopic;
    static TopicSnapshot agentTopic;
    static TopicSnapshot claimTopic;
    static TopicSnapshot jobTopic;

    @AfterAll
    static void closeReaders() {
        if (karmaTopic != null) {
            karmaTopic.close();
        }
        if (agentTopic != null) {
            agentTopic.close();
        }
        if (claimTopic != null) {
            claimTopic.close();
        }
        if (jobTopic != null) {
            jobTopic.close();
        }
    }

    @Autowired
    KafkaTemplate<String, byte[]> kafka;

    @Autowired
    CommandOutcomes outcomes;

    @Autowired
    ApplicationContext context;

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
        // the topics exist once the context is up (ingest declares them)
        if (karmaTopic == null) {
            karmaTopic = new TopicSnapshot(env.bootstrapServers(), topics.karmaCommands());
            agentTopic = new TopicSnapshot(env.bootstrapServers(), topics.agentCommands());
            claimTopic = new TopicSnapshot(env.bootstrapServers(), topics.claimCommands());
            jobTopic = new TopicSnapshot(env.bootstrapServers(), topics.jobCommands());
        }
    }

    // ------------------------------------------------------------------ publishing

    @Test
    void grantIsPublishedOnTheKarmaTopicKeyedByTheCreditedAccount() {
        UUID account = UUID.randomUUID();

        JsonNode accepted = post("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":25}", ADMIN, null)
                .expectStatus().isAccepted()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectHeader().value(HttpHeaders.LOCATION, location -> assertThat(location).startsWith("/commands/"))
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID commandId = UUID.fromString(accepted.get("commandId").asString());

        List<ConsumerRecord<String, byte[]>> records = karmaTopic.recordsOf(commandId);
        assertThat(records).hasSize(1);
        ConsumerRecord<String, byte[]> record = records.get(0);
        // ordered with the agent's registration and its own movements
        assertThat(record.key()).isEqualTo(account.toString());
        JsonNode envelope = TopicSnapshot.json(record);
        assertThat(envelope.get("type").asString()).isEqualTo("GrantKarma");
        assertThat(envelope.get("id").asString()).isEqualTo(commandId.toString());
        assertThat(envelope.get("schemaVersion").asInt()).isEqualTo(1);
        assertThat(envelope.get("actor").asString()).isEqualTo("admin");
        assertThat(envelope.get("correlationId").asString()).isEqualTo(commandId.toString());
        assertThat(envelope.get("payload").get("accountId").asString()).isEqualTo(account.toString());
        assertThat(envelope.get("payload").get("amount").asLong()).isEqualTo(25);
    }

    @Test
    void transferIsKeyedByTheDebitedAccountAndNamesTheAgentAsActor() {
        Agent alice = newAgent("alice");
        UUID credit = UUID.randomUUID();

        UUID commandId = accepted(post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":%d}""".formatted(alice.id(), credit, Long.MAX_VALUE),
                alice.key(), null));

        ConsumerRecord<String, byte[]> record = single(karmaTopic.recordsOf(commandId));
        assertThat(record.key()).isEqualTo(alice.id().toString());
        JsonNode envelope = TopicSnapshot.json(record);
        assertThat(envelope.get("type").asString()).isEqualTo("TransferKarma");
        assertThat(envelope.get("actor").asString()).isEqualTo(alice.id().toString());
        assertThat(envelope.get("payload").get("creditAccountId").asString()).isEqualTo(credit.toString());
        assertThat(envelope.get("payload").get("amount").asLong()).isEqualTo(Long.MAX_VALUE);
        // no memo: version 1, exactly as before version 2 existed
        assertThat(envelope.get("schemaVersion").asInt()).isEqualTo(1);
        assertThat(envelope.get("payload").has("memo")).isFalse();
    }

    @Test
    void aTransferWithAMemoIsPublishedAsVersionTwo() {
        Agent alice = newAgent("alice");
        UUID credit = UUID.randomUUID();
        String memo = "rent, December — 12 €";

        UUID commandId = accepted(post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":3,"memo":"%s"}""".formatted(alice.id(), credit, memo),
                alice.key(), null));

        JsonNode envelope = TopicSnapshot.json(single(karmaTopic.recordsOf(commandId)));
        assertThat(envelope.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(envelope.get("payload").get("memo").asString()).isEqualTo(memo);
    }

    @Test
    void registeringAnAgentPublishesOnTheKarmaTopicAndIssuesNoKeyBeforeTheAgentExists() {
        UUID agentId = UUID.randomUUID();
        JsonNode body = post("/agents", "{\"agentId\":\"" + agentId + "\",\"name\":\"Ada\"}", ADMIN, null)
                .expectStatus().isAccepted()
                .expectHeader().valueMatches(HttpHeaders.LOCATION, "/commands/[0-9a-f-]{36}")
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        // no ledger here, so no outcome within the wait: no key either
        assertThat(body.get("agentId").asString()).isEqualTo(agentId.toString());
        assertThat(body.has("apiKey")).isFalse();

        ConsumerRecord<String, byte[]> record = single(karmaTopic.recordsOf(UUID.fromString(body.get("commandId").asString())));
        assertThat(record.key()).isEqualTo(agentId.toString());
        JsonNode envelope = TopicSnapshot.json(record);
        assertThat(envelope.get("type").asString()).isEqualTo("RegisterAgent");
        assertThat(envelope.get("payload").get("name").asString()).isEqualTo("Ada");

        // a key only for a registered agent
        http.post().uri("/agents/{id}/keys", agentId).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        agentRow(agentId, "Ada", 0, 0);
        JsonNode key = http.post().uri("/agents/{id}/keys", agentId).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String apiKey = key.get("apiKey").asString();
        assertThat(apiKey).matches("ak_[a-z0-9]{8}_[A-Za-z0-9_-]{43}").startsWith(key.get("prefix").asString() + "_");

        // stored only as a hash: neither the token nor its secret part is in the table
        String stored = jdbc.sql("select encode(token_hash, 'hex') || prefix from api_keys where agent_id = ?")
                .param(agentId).query(String.class).single();
        assertThat(stored).doesNotContain(apiKey.substring(12));
        get("/agents/{id}/keys", apiKey, agentId).expectStatus().isOk()
                .expectBody().jsonPath("$[0].prefix").isEqualTo(key.get("prefix").asString())
                .jsonPath("$[0].apiKey").doesNotExist();
    }

    @Test
    void anAgentWithoutAnIdGetsOne() {
        JsonNode body = post("/agents", "{\"name\":\"Grace\"}", ADMIN, null)
                .expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID agentId = UUID.fromString(body.get("agentId").asString());

        ConsumerRecord<String, byte[]> record = single(karmaTopic.recordsOf(UUID.fromString(body.get("commandId").asString())));
        assertThat(record.key()).isEqualTo(agentId.toString());
        assertThat(TopicSnapshot.json(record).get("payload").get("agentId").asString()).isEqualTo(agentId.toString());
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyGetsTheOriginalAnswerAndPublishesNothing() {
        Agent bob = newAgent("bob");
        Agent carol = newAgent("carol");
        String key = "transfer-" + UUID.randomUUID();
        UUID credit = UUID.randomUUID();
        String transfer = "{\"debitAccountId\":\"%s\",\"creditAccountId\":\"" + credit + "\",\"amount\":7}";
        long before = karmaTopic.size();

        UUID first = accepted(post("/karma/transfers", transfer.formatted(bob.id()), bob.key(), key));
        // the same request with its fields in another order and other spacing is the same request
        UUID retry = accepted(post("/karma/transfers", """
                { "amount": 7, "creditAccountId": "%s",
                  "debitAccountId": "%s" }""".formatted(credit, bob.id()), bob.key(), key)
                .expectHeader().valueEquals("Idempotent-Replayed", "true"));
        UUID otherAgent = accepted(post("/karma/transfers", transfer.formatted(carol.id()), carol.key(), key));
        UUID noKey = accepted(post("/karma/transfers", transfer.formatted(bob.id()), bob.key(), null));

        assertThat(retry).isEqualTo(first);
        assertThat(otherAgent).isNotEqualTo(first);
        assertThat(noKey).isNotEqualTo(first);
        assertThat(karmaTopic.recordsOf(first)).hasSize(1);
        assertThat(karmaTopic.size()).isEqualTo(before + 3);
    }

    @Test
    void theSameIdempotencyKeyWithAnotherRequestIsAConflict() {
        Agent dave = newAgent("dave");
        String key = "transfer-" + UUID.randomUUID();
        UUID credit = UUID.randomUUID();
        UUID first = accepted(post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":5}""".formatted(dave.id(), credit), dave.key(), key));
        long before = karmaTopic.size();

        post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":6}""".formatted(dave.id(), credit), dave.key(), key)
                .expectStatus().isEqualTo(409)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.commandId").isEqualTo(first.toString());
        // another endpoint under the same key is another request too
        post("/karma/reservations", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":5,"expiresAt":"2999-01-01T00:00:00Z"}"""
                .formatted(dave.id(), credit), dave.key(), key)
                .expectStatus().isEqualTo(409);
        assertThat(karmaTopic.size()).isEqualTo(before);
    }

    @Test
    void aRetriedRegistrationNamesTheSameAgent() {
        String key = "agent-" + UUID.randomUUID();
        JsonNode first = post("/agents", "{\"name\":\"Linus\"}", ADMIN, key).expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        JsonNode retry = post("/agents", "{\"name\":\"Linus\"}", ADMIN, key).expectStatus().isAccepted()
                .expectHeader().valueEquals("Idempotent-Replayed", "true")
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(retry.get("commandId")).isEqualTo(first.get("commandId"));
        assertThat(retry.get("agentId")).isEqualTo(first.get("agentId"));
        assertThat(karmaTopic.recordsOf(UUID.fromString(first.get("commandId").asString()))).hasSize(1);
    }

    @Test
    void adminCommandsSuspendAndReactivateAreKeyedByTheAgent() {
        Agent erin = newAgent("erin");
        UUID suspended = accepted(postEmpty("/agents/" + erin.id() + "/suspension", ADMIN, null));
        UUID reactivated = accepted(postEmpty("/agents/" + erin.id() + "/reactivation", ADMIN, null));

        JsonNode suspension = TopicSnapshot.json(single(karmaTopic.recordsOf(suspended)));
        assertThat(suspension.get("type").asString()).isEqualTo("SuspendAgent");
        assertThat(single(karmaTopic.recordsOf(suspended)).key()).isEqualTo(erin.id().toString());
        assertThat(TopicSnapshot.json(single(karmaTopic.recordsOf(reactivated))).get("type").asString())
                .isEqualTo("ReactivateAgent");
    }

    @Test
    void reservationsAreTwoPhaseAndOnlyTheirControllerMayResolveThem() {
        Agent payer = newAgent("payer");
        Agent payee = newAgent("payee");
        JsonNode reserved = post("/karma/reservations", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":40,"expiresAt":"2999-01-01T00:00:00Z"}"""
                .formatted(payer.id(), payee.id()), payer.key(), null)
                .expectStatus().isAccepted().expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID pendingId = UUID.fromString(reserved.get("pendingId").asString());
        assertThat(pendingId.toString()).isEqualTo(reserved.get("commandId").asString());
        JsonNode envelope = TopicSnapshot.json(single(karmaTopic.recordsOf(pendingId)));
        assertThat(envelope.get("type").asString()).isEqualTo("ReserveKarma");
        assertThat(envelope.get("payload").get("expiresAt").asString()).isEqualTo("2999-01-01T00:00:00Z");

        // before the ledger applied the reservation its controller is unknown here: published, the ledger decides
        UUID early = accepted(postEmpty("/karma/reservations/" + pendingId + "/post", payee.key(), null));
        assertThat(karmaTopic.recordsOf(early)).hasSize(1);
        // as the ledger worker would have written it: the payer reserved, so the payer controls it
        pendingTransfer(pendingId, payer.id(), payee.id(), 40);

        Agent stranger = newAgent("stranger");
        long before = karmaTopic.size();
        postEmpty("/karma/reservations/" + pendingId + "/post", payee.key(), null).expectStatus().isForbidden()
                .expectBody().jsonPath("$.field").isEqualTo("pendingId");
        postEmpty("/karma/reservations/" + pendingId + "/void", payee.key(), null).expectStatus().isForbidden();
        postEmpty("/karma/reservations/" + pendingId + "/void", stranger.key(), null).expectStatus().isForbidden();
        postEmpty("/karma/reservations/" + pendingId + "/void", ADMIN, null).expectStatus().isForbidden();
        assertThat(karmaTopic.size()).isEqualTo(before);
        UUID posted = accepted(postEmpty("/karma/reservations/" + pendingId + "/post", payer.key(), null));
        UUID voided = accepted(postEmpty("/karma/reservations/" + pendingId + "/void", payer.key(), null));
        assertThat(TopicSnapshot.json(single(karmaTopic.recordsOf(posted))).get("payload").get("pendingId").asString())
                .isEqualTo(pendingId.toString());
        ConsumerRecord<String, byte[]> voidRecord = single(karmaTopic.recordsOf(voided));
        assertThat(voidRecord.key()).isEqualTo(pendingId.toString());
        assertThat(TopicSnapshot.json(voidRecord).get("type").asString()).isEqualTo("VoidPending");
    }

    @Test
    void aBatchDebitsOnlyTheCaller() {
        Agent frank = newAgent("frank");
        Agent grace = newAgent("grace");
        UUID commandId = accepted(post("/karma/batches", """
                {"transfers":[{"debitAccountId":"%1$s","creditAccountId":"%2$s","amount":1},
                              {"debitAccountId":"%1$s","creditAccountId":"%3$s","amount":2}]}"""
                .formatted(frank.id(), grace.id(), UUID.randomUUID()), frank.key(), null));
        JsonNode envelope = TopicSnapshot.json(single(karmaTopic.recordsOf(commandId)));
        assertThat(envelope.get("type").asString()).isEqualTo("TransferBatch");
        assertThat(envelope.get("payload").get("transfers").size()).isEqualTo(2);

        long before = karmaTopic.size();
        post("/karma/batches", """
                {"transfers":[{"debitAccountId":"%s","creditAccountId":"%s","amount":1},
                              {"debitAccountId":"%s","creditAccountId":"%s","amount":1}]}"""
                .formatted(frank.id(), grace.id(), grace.id(), frank.id()), frank.key(), null)
                .expectStatus().isForbidden();
        post("/karma/batches", "{\"transfers\":[]}", frank.key(), null).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("transfers");
        assertThat(karmaTopic.size()).isEqualTo(before);
    }

    @Test
    void claimsAreSubmittedAndVotedOnByTheCallerKeyedByClaim() {
        Agent claimant = newAgent("claimant");
        Agent verifier = newAgent("verifier");
        JsonNode accepted = post("/claims", """
                {"subject":"paper-42","statement":"the results reproduce","evidence":{"runs":[1,2,3]},"stake":10}""",
                claimant.key(), null).expectStatus().isAccepted().expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID claimId = UUID.fromString(accepted.get("claimId").asString());
        ConsumerRecord<String, byte[]> record = single(claimTopic.recordsOf(UUID.fromString(accepted.get("commandId").asString())));
        assertThat(record.key()).isEqualTo(claimId.toString());
        JsonNode payload = TopicSnapshot.json(record).get("payload");
        assertThat(payload.get("claimantId").asString()).isEqualTo(claimant.id().toString());
        assertThat(payload.get("evidence").get("runs").size()).isEqualTo(3);
        assertThat(payload.get("stake").asLong()).isEqualTo(10);

        UUID verified = accepted(postEmpty("/claims/" + claimId + "/verifications", verifier.key(), null));
        UUID disputed = accepted(postEmpty("/claims/" + claimId + "/disputes", claimant.key(), null));
        assertThat(TopicSnapshot.json(single(claimTopic.recordsOf(verified))).get("payload").get("verifierId").asString())
                .isEqualTo(verifier.id().toString());
        assertThat(TopicSnapshot.json(single(claimTopic.recordsOf(disputed))).get("type").asString()).isEqualTo("DisputeClaim");

        // submitting as someone else, or as the admin, is not allowed
        post("/claims", """
                {"claimantId":"%s","subject":"s","statement":"t"}""".formatted(verifier.id()), claimant.key(), null)
                .expectStatus().isForbidden();
        post("/claims", "{\"subject\":\"s\",\"statement\":\"t\"}", ADMIN, null).expectStatus().isForbidden();
        postEmpty("/claims/" + claimId + "/verifications", ADMIN, null).expectStatus().isForbidden();
    }

    @Test
    void jobsAreSubmittedLeasedAndFinishedByTheCallerKeyedByJob() {
        Agent submitter = newAgent("submitter");
        Agent executor = newAgent("executor");
        JsonNode accepted = post("/jobs", """
                {"spec":{"image":"render","frames":[1,2]},"priority":5,"maxAttempts":2,"leaseTimeout":"PT45S","price":10}""",
                submitter.key(), null).expectStatus().isAccepted().expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID jobId = UUID.fromString(accepted.get("jobId").asString());
        ConsumerRecord<String, byte[]> submitted = single(jobTopic.recordsOf(UUID.fromString(accepted.get("commandId").asString())));
        assertThat(submitted.key()).isEqualTo(jobId.toString());
        JsonNode payload = TopicSnapshot.json(submitted).get("payload");
        assertThat(payload.get("submitterId").asString()).isEqualTo(submitter.id().toString());
        assertThat(payload.get("spec").get("frames").size()).isEqualTo(2);
        assertThat(payload.get("maxAttempts").asInt()).isEqualTo(2);
        assertThat(payload.get("price").asLong()).isEqualTo(10);

        UUID lease = accepted(postEmpty("/jobs/leases", executor.key(), null));
        ConsumerRecord<String, byte[]> leaseRecord = single(jobTopic.recordsOf(lease));
        assertThat(leaseRecord.key()).isEqualTo(executor.id().toString());
        UUID beat = accepted(post("/jobs/" + jobId + "/heartbeats", "{\"fencingToken\":1}", executor.key(), null));
        UUID done = accepted(post("/jobs/" + jobId + "/completion", "{\"fencingToken\":1,\"result\":{\"ok\":true}}",
                executor.key(), null));
        UUID failed = accepted(post("/jobs/" + jobId + "/failure", "{\"fencingToken\":1,\"error\":\"oom\",\"retryable\":true}",
                executor.key(), null));
        for (UUID commandId : List.of(beat, done, failed)) {
            JsonNode envelope = TopicSnapshot.json(single(jobTopic.recordsOf(commandId)));
            assertThat(envelope.get("payload").get("executorId").asString()).isEqualTo(executor.id().toString());
            assertThat(envelope.get("payload").get("fencingToken").asLong()).isEqualTo(1);
        }

        // the admin is not an executor or submitter; bad shapes are 400
        post("/jobs", "{\"spec\":{}}", ADMIN, null).expectStatus().isForbidden();
        postEmpty("/jobs/leases", ADMIN, null).expectStatus().isForbidden();
        post("/jobs", "{\"spec\":{},\"maxAttempts\":0}", submitter.key(), null).expectStatus().isBadRequest()
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("maxAttempts");
        post("/jobs", "{\"spec\":{},\"leaseTimeout\":\"PT0S\"}", submitter.key(), null).expectStatus().isBadRequest();
        post("/jobs/" + jobId + "/heartbeats", "{\"fencingToken\":-1}", executor.key(), null).expectStatus().isBadRequest();
    }

    @Test
    void aJobReadsBackAndOnlyItsSubmitterCancelsIt() {
        Agent submitter = newAgent("owner");
        Agent executor = newAgent("worker");
        UUID jobId = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("""
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                  lease_expires_at, fencing_token, lessee, spec, created_at, updated_at)
                values (?, ?, 'LEASED', 1, 1, 3, 30000, ?, ?, 4, ?, '{"task":"x"}'::jsonb, ?, ?)""")
                .params(jobId, submitter.id(), now, now.plusSeconds(30), executor.id(), now, now).update();

        get("/jobs/{id}", executor.key(), jobId).expectStatus().isOk().expectBody()
                .jsonPath("$.status").isEqualTo("LEASED")
                .jsonPath("$.fencingToken").isEqualTo(4)
                .jsonPath("$.spec.task").isEqualTo("x");
        get("/jobs/leases", executor.key()).expectStatus().isOk().expectBody()
                .jsonPath("$[0].jobId").isEqualTo(jobId.toString())
                .jsonPath("$[0].fencingToken").isEqualTo(4);
        // neither a party's nor the admin's: as if it did not exist
        get("/jobs/{id}", newAgent("nosy").key(), jobId).expectStatus().isNotFound();
        get("/jobs/{id}", ADMIN, jobId).expectStatus().isOk();
        postEmpty("/jobs/" + jobId + "/cancellation", executor.key(), null).expectStatus().isForbidden();
        UUID cancelled = accepted(postEmpty("/jobs/" + jobId + "/cancellation", submitter.key(), null));
        assertThat(TopicSnapshot.json(single(jobTopic.recordsOf(cancelled))).get("payload").get("requestedBy").asString())
                .isEqualTo(submitter.id().toString());
        get("/jobs/{id}", ADMIN, UUID.randomUUID()).expectStatus().isNotFound();
    }

    @Test
    void theAdminCancelsAnyJobOnBehalfOfItsSubmitter() {
        Agent submitter = newAgent("owner");
        UUID jobId = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("""
                insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                  spec, created_at, updated_at)
                values (?, ?, 'QUEUED', 0, 0, 3, 30000, ?, '{"task":"x"}'::jsonb, ?, ?)""")
                .params(jobId, submitter.id(), now, now, now).update();

        // the admin's path only: an agent, even the submitter, is refused by the security chain
        postEmpty("/admin/jobs/" + jobId + "/cancellation", submitter.key(), null).expectStatus().isForbidden();
        UUID cancelled = accepted(postEmpty("/admin/jobs/" + jobId + "/cancellation", ADMIN, null));
        JsonNode command = TopicSnapshot.json(single(jobTopic.recordsOf(cancelled)));
        assertThat(command.get("type").asString()).isEqualTo("CancelJob");
        assertThat(command.get("actor").asString()).isEqualTo("admin");
        assertThat(command.get("payload").get("jobId").asString()).isEqualTo(jobId.toString());
        assertThat(command.get("payload").get("requestedBy").asString()).isEqualTo(submitter.id().toString());
        // a job the worker has not recorded: its submitter is unknown, so nothing is published
        postEmpty("/admin/jobs/" + UUID.randomUUID() + "/cancellation", ADMIN, null).expectStatus().isNotFound()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        postEmpty("/admin/jobs/not-a-uuid/cancellation", ADMIN, null).expectStatus().isBadRequest();
    }

    // ------------------------------------------------------------------ authentication and authorization

    @Test
    void aMissingOrWrongKeyIsA401WithAChallenge() {
        long karma = karmaTopic.size();
        String grant = "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}";
        for (String key : new String[] { null, "not-a-key", ADMIN + "x",
                "ak_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }) {
            post("/karma/grants", grant, key, null)
                    .expectStatus().isUnauthorized()
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge).startsWith("Bearer"))
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectBody().jsonPath("$.status").isEqualTo(401);
        }
        http.post().uri("/karma/grants").contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.AUTHORIZATION, "Basic YWRtaW46YWRtaW4=").body(grant).exchange()
                .expectStatus().isUnauthorized();
        http.get().uri("/commands/{id}", UUID.randomUUID()).exchange().expectStatus().isUnauthorized();
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    @Test
    void aKeyRevokedMidSessionIsRefusedFromTheNextRequestOn() {
        Agent heidi = newAgent("heidi");
        String transfer = "{\"debitAccountId\":\"" + heidi.id() + "\",\"creditAccountId\":\"" + UUID.randomUUID()
                + "\",\"amount\":1}";
        accepted(post("/karma/transfers", transfer, heidi.key(), null));
        // the agent rotates: a second key, then the first is revoked
        JsonNode second = http.post().uri("/agents/{id}/keys", heidi.id()).headers(h -> h.setBearerAuth(heidi.key()))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        http.delete().uri("/agents/{id}/keys/{keyId}", heidi.id(), heidi.keyId()).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isNoContent();

        long karma = karmaTopic.size();
        post("/karma/transfers", transfer, heidi.key(), null)
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge).contains("invalid_token"))
                .expectBody().jsonPath("$.detail").value(detail -> assertThat(detail.toString()).contains("revoked"));
        assertThat(karmaTopic.size()).isEqualTo(karma);
        accepted(post("/karma/transfers", transfer, second.get("apiKey").asString(), null));
        get("/agents/{id}/keys", ADMIN, heidi.id()).expectStatus().isOk()
                .expectBody().jsonPath("$.length()").isEqualTo(2)
                .jsonPath("$[0].revokedAt").isNotEmpty();
        http.delete().uri("/agents/{id}/keys/{keyId}", heidi.id(), UUID.randomUUID()).headers(h -> h.setBearerAuth(ADMIN))
                .exchange().expectStatus().isNotFound();
    }

    @Test
    void anAgentActingAsAnotherOrAsAdminIsA403() {
        Agent ivan = newAgent("ivan");
        Agent judy = newAgent("judy");
        long karma = karmaTopic.size();
        long agents = agentTopic.size();

        // spending another agent's karma
        post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(judy.id(), ivan.id()), ivan.key(), null)
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(403);
        post("/karma/reservations", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1,"expiresAt":"2999-01-01T00:00:00Z"}"""
                .formatted(judy.id(), ivan.id()), ivan.key(), null).expectStatus().isForbidden();
        // admin commands
        post("/karma/grants", "{\"accountId\":\"" + ivan.id() + "\",\"amount\":1000}", ivan.key(), null).expectStatus().isForbidden();
        post("/agents", "{\"name\":\"mallory\"}", ivan.key(), null).expectStatus().isForbidden();
        postEmpty("/agents/" + judy.id() + "/suspension", ivan.key(), null).expectStatus().isForbidden();
        postEmpty("/agents/" + ivan.id() + "/reactivation", ivan.key(), null).expectStatus().isForbidden();
        // another agent's keys and account
        http.post().uri("/agents/{id}/keys", judy.id()).headers(h -> h.setBearerAuth(ivan.key())).exchange()
                .expectStatus().isForbidden();
        http.delete().uri("/agents/{id}/keys/{keyId}", judy.id(), judy.keyId()).headers(h -> h.setBearerAuth(ivan.key()))
                .exchange().expectStatus().isForbidden();
        get("/accounts/{id}", ivan.key(), judy.id()).expectStatus().isForbidden();
        // the admin is not an agent: it grants, it does not spend
        post("/karma/transfers", """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(judy.id(), ivan.id()), ADMIN, null)
                .expectStatus().isForbidden();

        assertThat(karmaTopic.size()).isEqualTo(karma);
        assertThat(agentTopic.size()).isEqualTo(agents);
        post("/karma/transfers", "{\"debitAccountId\":\"" + judy.id() + "\",\"creditAccountId\":\"" + ivan.id()
                + "\",\"amount\":1}", judy.key(), null).expectStatus().isAccepted();
    }

    @Test
    void theApiDescriptionIsServedWithoutAKey() {
        http.get().uri("/v3/api-docs").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.openapi").value(version -> assertThat(version.toString()).startsWith("3."))
                .jsonPath("$.paths['/karma/transfers'].post").exists()
                .jsonPath("$.paths['/claims/{claimId}'].get").exists()
                .jsonPath("$.paths['/agents/{agentId}/keys/{keyId}'].delete").exists()
                .jsonPath("$.paths['/jobs/{jobId}/completion'].post").exists()
                .jsonPath("$.components.securitySchemes.apiKey.scheme").isEqualTo("bearer");
    }

    @Test
    void theProducerIsIdempotentWaitsForAllReplicasAndGivesUpWithinThePublishTimeout() {
        assertThat(kafka.getProducerFactory().getConfigurationProperties())
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000L)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    }

    /** Ingest produces with command-runtime's parts; its consumers and its schema migration are the workers'. */
    @Test
    void commandRuntimeOnTheClasspathAddsNoBeans() {
        assertThat(Arrays.stream(context.getBeanDefinitionNames()).map(context::getType).filter(Objects::nonNull)
                .map(Class::getName))
                .isNotEmpty()
                .noneMatch(type -> type.startsWith("org.agentplatform.runtime.") || type.startsWith("org.flywaydb."));
    }

    // ------------------------------------------------------------------ invalid requests

    static Stream<Arguments> invalidRequests() {
        String account = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        return Stream.of(
                // path, body, status, field named in errors (null: none)
                Arguments.of("/karma/grants", "{\"amount\":10}", 400, "accountId"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\"}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":0}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":-5}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":9223372036854775808}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":1.5}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":\"10\"}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":null}", 400, "amount"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10,\"memo\":\"x\"}", 400, "memo"),
                Arguments.of("/karma/grants", "{\"accountId\":\"not-a-uuid\",\"amount\":10}", 400, "accountId"),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10,\"amount\":1000}", 400, null),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10", 400, null),
                Arguments.of("/karma/grants", "{\"accountId\":\"" + account + "\",\"amount\":10} {}", 400, null),
                Arguments.of("/karma/grants", "[]", 400, null),
                Arguments.of("/karma/grants", "", 400, null),
                Arguments.of("/karma/transfers", "{\"debitAccountId\":\"" + account + "\",\"creditAccountId\":\"" + account
                        + "\",\"amount\":1}", 400, "distinctAccounts"),
                Arguments.of("/karma/transfers", "{\"debitAccountId\":\"" + account + "\",\"creditAccountId\":\"" + other
                        + "\",\"amount\":1,\"distinctAccounts\":true}", 400, "distinctAccounts"),
                Arguments.of("/karma/transfers", "{\"creditAccountId\":\"" + other + "\",\"amount\":1}", 400, "debitAccountId"),
                Arguments.of("/karma/transfers", transfer(account, other, "\"\""), 400, "memo"),
                Arguments.of("/karma/transfers", transfer(account, other, "\"" + "m".repeat(501) + "\""), 400, "memo"),
                Arguments.of("/karma/transfers", transfer(account, other, "\"a\\u0000b\""), 400, "memo"),
                Arguments.of("/karma/transfers", transfer(account, other, "42"), 400, "memo"),
                // a batch has no memo: on a leg it is an unknown field, not silently dropped
                Arguments.of("/karma/batches", "{\"transfers\":[{\"debitAccountId\":\"" + account + "\",\"creditAccountId\":\""
                        + other + "\",\"amount\":1,\"memo\":\"x\"}]}", 400, null),
                Arguments.of("/agents", "{\"name\":\"\"}", 400, "name"),
                Arguments.of("/agents", "{\"name\":\"" + "x".repeat(201) + "\"}", 400, "name"),
                Arguments.of("/agents", "{\"name\":42}", 400, "name"),
                Arguments.of("/agents", "{}", 400, "name"));
    }

    private static String transfer(String debit, String credit, String memo) {
        return "{\"debitAccountId\":\"" + debit + "\",\"creditAccountId\":\"" + credit + "\",\"amount\":1,\"memo\":" + memo + "}";
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("invalidRequests")
    void anInvalidBodyIsAProblemAndPublishesNothing(String path, String body, int status, String field) {
        long karma = karmaTopic.size();
        long agents = agentTopic.size();

        JsonNode problem = post(path, body, ADMIN, null)
                .expectStatus().isEqualTo(status)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asString()).isNotBlank();
        if (field != null) {
            assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString())).contains(field);
        }
        assertThat(karmaTopic.size()).isEqualTo(karma);
        assertThat(agentTopic.size()).isEqualTo(agents);
    }

    @Test
    void anOverflowingAmountIsNamedAsSuch() {
        JsonNode problem = post("/karma/grants", "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":99999999999999999999}",
                ADMIN, null).expectStatus().isBadRequest().expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo("amount");
        assertThat(problem.get("errors").get(0).get("detail").asString()).contains("out of range");
    }

    @Test
    void onlyJsonIsAccepted() {
        long karma = karmaTopic.size();
        http.post().uri("/karma/grants")
                .headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.TEXT_PLAIN)
                .body("{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}")
                .exchange()
                .expectStatus().isEqualTo(415)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        http.post().uri("/karma/grants")
                .headers(h -> h.setBearerAuth(ADMIN))
                .contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .body("accountId=" + UUID.randomUUID() + "&amount=10")
                .exchange()
                .expectStatus().isEqualTo(415);
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    @Test
    void anInvalidIdempotencyKeyIsRefused() {
        long karma = karmaTopic.size();
        String grant = "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}";
        post("/karma/grants", grant, ADMIN, "k".repeat(256)).expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        post("/karma/grants", grant, ADMIN, "has space").expectStatus().isBadRequest();
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    @Test
    void aBodyOverTheLimitIsRefusedWhetherItDeclaresItsLengthOrNot() throws Exception {
        long karma = karmaTopic.size();
        String big = "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10,\"memo\":\"" + "x".repeat(70_000) + "\"}";

        post("/karma/grants", big, ADMIN, null)
                .expectStatus().isEqualTo(413)
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        // no Content-Length: the body arrives chunked and is counted while it is read
        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/karma/grants"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ADMIN)
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .build(), BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(karmaTopic.size()).isEqualTo(karma);
    }

    // ------------------------------------------------------------------ reads

    @Test
    void aCommandIsPendingUntilTheWorkerRecordsItsOutcome() {
        UUID applied = accepted(post("/karma/grants", "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":3}", ADMIN, null));
        Agent kim = newAgent("kim");
        UUID rejected = accepted(post("/karma/transfers", "{\"debitAccountId\":\"" + kim.id()
                + "\",\"creditAccountId\":\"" + UUID.randomUUID() + "\",\"amount\":3}", kim.key(), null));

        get("/commands/{id}", kim.key(), rejected)
                .expectStatus().isOk()
                .expectBody().json("{\"commandId\":\"" + rejected + "\",\"status\":\"PENDING\"}")
                .jsonPath("$.processedAt").doesNotExist()
                .jsonPath("$.reason").doesNotExist();
        get("/commands/{id}", ADMIN, applied).expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("PENDING");
        // another caller's command does not exist for kim
        get("/commands/{id}", kim.key(), applied).expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);

        Instant at = Instant.parse("2025-01-02T03:04:05.678Z");
        processed(applied, "GrantKarma", "APPLIED", null, null, at, "admin");
        processed(rejected, "TransferKarma", "REJECTED", "INSUFFICIENT_FUNDS", "available 0, needed 3", at, kim.id().toString());
        get("/commands/{id}", kim.key(), applied).expectStatus().isNotFound();

        get("/commands/{id}", ADMIN, applied)
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("APPLIED")
                .jsonPath("$.processedAt").isEqualTo("2025-01-02T03:04:05.678Z")
                .jsonPath("$.reason").doesNotExist();
        get("/commands/{id}", kim.key(), rejected)
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("REJECTED")
                .jsonPath("$.reason").isEqualTo("INSUFFICIENT_FUNDS")
                .jsonPath("$.detail").isEqualTo("available 0, needed 3");

        // handled before issuers were recorded (no actor): the admin's to read
        UUID old = UUID.randomUUID();
        processed(old, "TransferKarma", "APPLIED", null, null, at, null);
        get("/commands/{id}", ADMIN, old).expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("APPLIED");
        get("/commands/{id}", kim.key(), old).expectStatus().isNotFound();
    }

    @Test
    void aPostWaitingForItsReservationIsStillPendingWithTheReason() {
        Agent lea = newAgent("lea");
        UUID waiting = UUID.randomUUID();
        processed(waiting, "PostPending", "DEFERRED", "AWAITING_RESERVATION",
                "waits until 2025-01-02T03:05:05Z for pending transfer x to be reserved",
                Instant.parse("2025-01-02T03:04:05Z"), lea.id().toString());
        get("/commands/{id}", lea.key(), waiting)
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("PENDING")
                .jsonPath("$.reason").isEqualTo("AWAITING_RESERVATION")
                .jsonPath("$.detail").isEqualTo("waits until 2025-01-02T03:05:05Z for pending transfer x to be reserved")
                .jsonPath("$.processedAt").doesNotExist();
        // not final: whoever waits for an outcome keeps waiting
        assertThat(outcomes.await(waiting, Duration.ZERO, Duration.ofMillis(1))).isEmpty();

        jdbc.sql("update processed_commands set outcome = 'APPLIED', reason = null, detail = null where command_id = ?")
                .param(waiting).update();
        get("/commands/{id}", lea.key(), waiting).expectStatus().isOk().expectBody().jsonPath("$.status").isEqualTo("APPLIED");
        assertThat(outcomes.await(waiting, Duration.ZERO, Duration.ofMillis(1))).hasValueSatisfying(
                o -> assertThat(o.applied()).isTrue());
    }

    @Test
    void accountsShowWhatIsAvailableAndRecentTransfersToTheirOwner() {
        Agent barbara = newAgent("Barbara");
        UUID agent = barbara.id();
        agentRow(agent, "Barbara", 100, 30);
        UUID other = UUID.randomUUID();
        agentRow(other, "Other", 0, 0);
        OffsetDateTime t0 = OffsetDateTime.parse("2025-01-01T00:00:00Z");
        UUID grant = transferRow(Accounts.TREASURY, agent, 150, "GRANT", "POSTED", t0);
        UUID spent = transferRow(agent, other, 50, "TRANSFER", "POSTED", t0.plusMinutes(1));
        transferRow(Accounts.TREASURY, other, 5, "GRANT", "POSTED", t0.plusMinutes(2));

        get("/accounts/{id}", barbara.key(), agent)
                .expectStatus().isOk()
                .expectBody().json("""
                        {"accountId":"%s","balance":100,"pendingDebits":30,"available":70}""".formatted(agent))
                .jsonPath("$.recentTransfers.length()").isEqualTo(2)
                .jsonPath("$.recentTransfers[0].transferId").isEqualTo(spent.toString())
                .jsonPath("$.recentTransfers[0].amount").isEqualTo(50)
                .jsonPath("$.recentTransfers[1].transferId").isEqualTo(grant.toString());
        get("/accounts/{id}?recent=1", barbara.key(), agent).expectStatus().isOk()
                .expectBody().jsonPath("$.recentTransfers.length()").isEqualTo(1);
        get("/accounts/{id}", ADMIN, Accounts.TREASURY).expectStatus().isOk()
                .expectBody().jsonPath("$.balance").isNumber();
        get("/accounts/{id}", barbara.key(), Accounts.TREASURY).expectStatus().isForbidden();
        get("/agents/{id}", barbara.key(), agent)
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.agentId").isEqualTo(agent.toString())
                .jsonPath("$.name").isEqualTo("Barbara")
                .jsonPath("$.status").isEqualTo("ACTIVE");
    }

    @Test
    void aClaimReadsWithItsHistory() {
        Agent claimant = newAgent("claimant");
        agentRow(claimant.id(), "claimant", 0, 0);
        UUID claim = UUID.randomUUID();
        UUID command = UUID.randomUUID();
        OffsetDateTime at = OffsetDateTime.parse("2025-03-04T05:06:07Z");
        jdbc.sql("""
                insert into claims (id, claimant_id, subject, statement, evidence, stake, quorum, status, created_at, updated_at)
                values (?, ?, 'subject', 'statement', '{"url":"https://example.org"}'::jsonb, 0, 2, 'OPEN', ?, ?)""")
                .params(claim, claimant.id(), at, at).update();
        jdbc.sql("insert into claim_status_history (claim_id, status, command_id, changed_at) values (?, 'OPEN', ?, ?)")
                .params(claim, command, at).update();

        get("/claims/{id}", newAgent("reader").key(), claim).expectStatus().isOk()
                .expectBody()
                .jsonPath("$.claimantId").isEqualTo(claimant.id().toString())
                .jsonPath("$.evidence.url").isEqualTo("https://example.org")
                .jsonPath("$.status").isEqualTo("OPEN")
                .jsonPath("$.quorum").isEqualTo(2)
                .jsonPath("$.history[0].status").isEqualTo("OPEN")
                .jsonPath("$.history[0].commandId").isEqualTo(command.toString());
        get("/claims/{id}", ADMIN, UUID.randomUUID()).expectStatus().isNotFound();
    }

    @Test
    void unknownOrMalformedIdsAreProblems() {
        get("/accounts/{id}", ADMIN, UUID.randomUUID())
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.status").isEqualTo(404);
        get("/agents/{id}", ADMIN, UUID.randomUUID())
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        get("/commands/not-a-uuid", ADMIN)
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
        // a constrained parameter is the client's fault too, named like a body field (it was a 500)
        get("/accounts/{id}?recent=101", ADMIN, Accounts.TREASURY)
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.errors[0].field").isEqualTo("recent");
    }

    // ------------------------------------------------------------------ helpers

    /** POST as the caller whose bearer token is {@code key} ({@code null}: no Authorization header). */
    private ResponseSpec post(String path, String body, String key, String idempotencyKey) {
        return http.post().uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    if (key != null) {
                        headers.setBearerAuth(key);
                    }
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .body(body)
                .exchange();
    }

    /** POST without a body (suspend, post, void, votes). */
    private ResponseSpec postEmpty(String path, String key, String idempotencyKey) {
        return http.post().uri(path)
                .headers(headers -> {
                    if (key != null) {
                        headers.setBearerAuth(key);
                    }
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                })
                .exchange();
    }

    private ResponseSpec get(String path, String key, Object... vars) {
        return http.get().uri(path, vars).headers(headers -> headers.setBearerAuth(key)).exchange();
    }

    /** An agent registered by the admin, its row written as the ledger worker would, and a key minted for it. */
    record Agent(UUID id, String key, UUID keyId) {
    }

    private Agent newAgent(String name) {
        JsonNode body = post("/agents", "{\"name\":\"" + name + "\"}", ADMIN, null)
                .expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID id = UUID.fromString(body.get("agentId").asString());
        agentRow(id, name, 0, 0);
        JsonNode key = http.post().uri("/agents/{id}/keys", id).headers(h -> h.setBearerAuth(ADMIN)).exchange()
                .expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        return new Agent(id, key.get("apiKey").asString(), UUID.fromString(key.get("keyId").asString()));
    }

    private static UUID accepted(ResponseSpec response) {
        JsonNode body = response.expectStatus().isAccepted()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        UUID commandId = UUID.fromString(body.get("commandId").asString());
        response.expectHeader().location("/commands/" + commandId);
        return commandId;
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    private void processed(UUID commandId, String type, String outcome, String reason, String detail, Instant at,
                           String actor) {
        jdbc.sql("""
                insert into processed_commands
                  (command_id, command_type, fingerprint, outcome, reason, detail, topic, partition, kafka_offset, processed_at, actor)
                values (?, ?, 'test', ?, ?, ?, 'test', 0, 0, ?, ?)""")
                .params(commandId, type, outcome, reason, detail, at.atOffset(ZoneOffset.UTC), actor)
                .update();
    }

    private void agentRow(UUID agent, String name, long balance, long pendingDebits) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        jdbc.sql("""
                insert into agents (id, name, status, created_at, updated_at) values (?, ?, 'ACTIVE', ?, ?)
                on conflict (id) do nothing""")
                .params(agent, name, now, now).update();
        jdbc.sql("""
                insert into accounts (id, agent_id, balance, pending_debits, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?)
                on conflict (id) do update set balance = excluded.balance, pending_debits = excluded.pending_debits""")
                .params(agent, agent, balance, pendingDebits, now, now).update();
    }

    private UUID transferRow(UUID debit, UUID credit, long amount, String kind, String status, OffsetDateTime at) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                  debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at)
                values (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, ?)""").params(id, debit, credit, amount, kind, status, at).update();
        return id;
    }

    /** A pending transfer as the ledger worker writes it when it applies a reservation. */
    private void pendingTransfer(UUID pendingId, UUID debit, UUID credit, long amount) {
        agentRow(debit, "debit", 100, amount);
        agentRow(credit, "credit", 0, 0);
        jdbc.sql("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status, expires_at, controller,
                  debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at)
                values (?, ?, ?, ?, 'ESCROW', 'PENDING', ?, ?, 0, 0, 0, 0, ?)""")
                .params(pendingId, debit, credit, amount, OffsetDateTime.parse("2999-01-01T00:00:00Z"), debit.toString(),
                        OffsetDateTime.now(ZoneOffset.UTC)).update();
    }
}
