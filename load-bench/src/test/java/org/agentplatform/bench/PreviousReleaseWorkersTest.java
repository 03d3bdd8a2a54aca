package org.agentplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * N-1 compatibility, as a rolling upgrade meets it: the newest schema (migrated by this build's audit worker, which
 * the deployment starts first) with the <em>previous release's</em> ledger and job workers, built from its commit,
 * beside this build's ingest service. Every command kind that release knows is applied as it was; a command version
 * it does not know is dead-lettered by the old ledger with the reason and never half-applied, which is why the
 * README's upgrade order for a new command version is workers first, then producers.
 */
class PreviousReleaseWorkersTest {

    private static final Duration PATIENCE = Duration.ofMinutes(2);
    private static final List<String> OLD_WORKERS = List.of("ledger-worker", "job-worker");
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    static Path work;
    private static PreviousRelease release;
    private static ProcessStack stack;

    @BeforeAll
    static void startMixedDeployment() throws Exception {
        Path root = ProcessStack.repositoryRoot();
        release = PreviousRelease.export(root);
        Map<String, Path> jars = new LinkedHashMap<>();
        for (ProcessStack.Service s : ProcessStack.SERVICES) {
            jars.put(s.module(), ProcessStack.execJar(root, s.module()));
        }
        jars.putAll(release.execJars(OLD_WORKERS));
        stack = ProcessStack.start(work, jars, List.of(), List.of(ChildProcess.HEAP));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void the_pinned_release_is_the_one_before_the_newest_migration_and_the_database_is_at_the_newest() throws Exception {
        int newest = PreviousRelease.newestMigration(ProcessStack.repositoryRoot());
        assertThat(release.newestMigration())
                .as("previous-release.properties must name the last release before V%d (see its comment)", newest)
                .isEqualTo(newest - 1);
        assertThat(query("select max(version::int) from flyway_schema_history where success")).isEqualTo(newest);
    }

    @Test
    void the_previous_release_applies_registrations_grants_transfers_and_paid_jobs_on_the_newest_schema() throws Exception {
        UUID alice = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        String aliceKey = register(alice, "alice");
        String bobKey = register(bob, "bob");
        awaitApplied(post(stack.adminKey(), "/karma/grants", null, """
                {"accountId":"%s","amount":100}""".formatted(alice)));
        awaitApplied(post(aliceKey, "/karma/transfers", "n-1-" + alice, """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":30}""".formatted(alice, bob)));
        JsonNode bobAccount = read(bobKey, "/accounts/" + bob);
        assertThat(bobAccount.get("balance").asLong()).isEqualTo(30);
        assertThat(bobAccount.get("recentTransfers").get(0).get("memo").isNull()).isTrue();

        // a job with a price: escrow reserved by the old ledger, leased and completed through the old job worker, paid
        JsonNode submitted = post(aliceKey, "/jobs", null, """
                {"spec":{"task":"summarize"},"price":10}""");
        UUID jobId = UUID.fromString(submitted.get("jobId").asString());
        // leasable once its escrow is held
        await().atMost(PATIENCE).until(() -> jobStatus(aliceKey, jobId), "QUEUED"::equals);
        post(bobKey, "/jobs/leases", null, "");
        JsonNode lease = await().atMost(PATIENCE).until(() -> leaseOf(bobKey, jobId), l -> l != null);
        awaitApplied(post(bobKey, "/jobs/" + jobId + "/completion", null, """
                {"fencingToken":%d,"result":{"summary":"done"}}""".formatted(lease.get("fencingToken").asLong())));
        JsonNode job = await().atMost(PATIENCE).until(() -> read(aliceKey, "/jobs/" + jobId),
                j -> "PAID".equals(j.get("escrowStatus").asString()));
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(read(bobKey, "/accounts/" + bob).get("balance").asLong()).isEqualTo(40);
        assertThat(read(aliceKey, "/accounts/" + alice).get("balance").asLong()).isEqualTo(60);
        assertAuditLogVerifies();
    }

    @Test
    void a_command_version_the_previous_release_does_not_know_is_dead_lettered_with_its_reason_and_the_partition_moves_on()
            throws Exception {
        UUID carol = UUID.randomUUID();
        UUID dave = UUID.randomUUID();
        String carolKey = register(carol, "carol");
        register(dave, "dave");
        awaitApplied(post(stack.adminKey(), "/karma/grants", null, """
                {"accountId":"%s","amount":50}""".formatted(carol)));
        // a version from the future, as a producer upgraded before the workers would send it
        UUID unknown = UUID.randomUUID();
        Properties settings = new Properties();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>("commands.karma", carol.toString(), """
                    {"id":"%s","type":"TransferKarma","schemaVersion":99,"occurredAt":"2026-12-03T10:00:00Z",
                     "actor":"%s","correlationId":"%s","causationId":null,
                     "payload":{"debitAccountId":"%s","creditAccountId":"%s","amount":5}}"""
                    .formatted(unknown, carol, unknown, carol, dave))).get();
        }
        // the same debit account, so the same partition, behind it
        awaitApplied(post(carolKey, "/karma/transfers", null, """
                {"debitAccountId":"%s","creditAccountId":"%s","amount":1}""".formatted(carol, dave)));

        assertThat(read(carolKey, "/accounts/" + carol).get("balance").asLong()).isEqualTo(49);
        assertThat(outcomeOf(unknown)).as("nothing of it applied").isIn("none", "DEAD_LETTERED");
        ConsumerRecord<String, String> deadLetter = deadLetterOf(unknown);
        assertThat(header(deadLetter, "dlt-reason")).contains("unsupported schemaVersion 99");
        assertThat(header(deadLetter, "dlt-original")).startsWith("commands.karma-");
    }

    private static String register(UUID agent, String name) throws IOException, InterruptedException {
        HttpResponse<String> response = send(stack.adminKey(), "/agents", null,
                "{\"agentId\":\"%s\",\"name\":\"%s\"}".formatted(agent, name));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return json.readTree(response.body()).get("apiKey").asString();
    }

    private static JsonNode post(String key, String path, String idempotencyKey, String body)
            throws IOException, InterruptedException {
        HttpResponse<String> response = send(key, path, idempotencyKey, body);
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(202);
        return json.readTree(response.body());
    }

    private static HttpResponse<String> send(String key, String path, String idempotencyKey, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(stack.httpPort(), path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body));
        if (!body.isEmpty()) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode read(String key, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(stack.httpPort(), path))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static UUID commandId(JsonNode accepted) {
        return UUID.fromString(accepted.get("commandId").asString());
    }

    private static void awaitApplied(JsonNode accepted) {
        UUID id = commandId(accepted);
        JsonNode outcome = await().atMost(PATIENCE).until(() -> read(stack.adminKey(), "/commands/" + id),
                o -> !"PENDING".equals(o.get("status").asString()));
        assertThat(outcome.get("status").asString()).as(outcome.toString()).isEqualTo("APPLIED");
    }

    /** The job's status, or "unknown" while the job worker has not recorded the submission (a 404). */
    private static String jobStatus(String key, UUID jobId) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri(stack.httpPort(), "/jobs/" + jobId))
                .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 404) {
            return "unknown";
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).get("status").asString();
    }

    private static JsonNode leaseOf(String executorKey, UUID jobId) throws IOException, InterruptedException {
        for (JsonNode lease : read(executorKey, "/jobs/leases")) {
            if (lease.get("jobId").asString().equals(jobId.toString())) {
                return lease;
            }
        }
        return null;
    }

    private static void assertAuditLogVerifies() {
        // the audit log takes in the old workers' rows as any others; its own check passes once it has caught up
        await().atMost(PATIENCE).until(() -> http.send(HttpRequest.newBuilder(uri(stack.httpPort() + 3, "/audit/verify"))
                .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    private static ConsumerRecord<String, String> deadLetterOf(UUID commandId) {
        Properties settings = new Properties();
        settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        settings.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        settings.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Topics topics = new Topics("");
        String topic = topics.deadLetters(topics.karmaCommands());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(settings)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return await().atMost(PATIENCE).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null && r.value().contains(commandId.toString())) {
                        return r;
                    }
                }
                return null;
            }, r -> r != null);
        }
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header h = record.headers().lastHeader(name);
        assertThat(h).as("header " + name).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String outcomeOf(UUID commandId) throws Exception {
        try (Connection c = stack.postgres().dataSource(ProcessStack.DATABASE).getConnection();
             var s = c.prepareStatement("select outcome from processed_commands where command_id = ?")) {
            s.setObject(1, commandId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : "none";
            }
        }
    }

    private static long query(String sql) throws Exception {
        try (Connection c = stack.postgres().dataSource(ProcessStack.DATABASE).getConnection();
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static URI uri(int port, String path) {
        return URI.create("http://localhost:" + port + path);
    }
}
