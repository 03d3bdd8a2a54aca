package org.agentplatform.jobs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.jobs.JobWorkerApplication;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Job lifecycle commands applied per second through the real broker and PostgreSQL (durable commits, outbox
 * rows written and deleted as in production): N submits, then N lease requests from 64 executors, then the N
 * completions with the tokens the leases returned. Each phase is counted in the inbox, so every command is
 * counted once it is applied. Run with:
 * {@code mvn -B -pl job-worker test -Dtest=JobLifecycleBenchmark -Djobs.bench=true -Djobs.bench.count=20000}
 */
@EnabledIfSystemProperty(named = "jobs.bench", matches = "true")
@SpringBootTest(classes = JobWorkerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"spring.config.name=job-worker", "logging.level.org.apache.kafka=WARN"})
@DirtiesContext
class JobLifecycleBenchmark {

    static final TestEnvironment env = TestServers.newEnvironment();

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @Test
    void lifecycleCommandsPerSecond() {
        int n = Integer.getInteger("jobs.bench.count", 20_000);
        MessageCodec codec = new MessageCodec();
        Topics topics = new Topics(env.topicPrefix());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                new StringSerializer(), new ByteArraySerializer())) {
            // warm up the consumer (assignment, first batch) so it is not part of the figure
            UUID warm = UUID.randomUUID();
            send(producer, codec, topics, new SubmitJob(warm, warm, JsonNodeFactory.instance.objectNode(), -1000, 1,
                    Duration.ofMinutes(10), null));
            producer.flush();
            awaitApplied("SubmitJob", 1);

            UUID submitter = UUID.randomUUID();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                send(producer, codec, topics, new SubmitJob(UUID.randomUUID(), submitter,
                        JsonNodeFactory.instance.objectNode().put("task", i), i % 10, 3, Duration.ofMinutes(10), null));
            }
            producer.flush();
            awaitApplied("SubmitJob", n + 1);
            long t1 = System.nanoTime();

            // lease requests need registered agents with accounts: written as the ledger worker would
            List<UUID> executors = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                UUID e = UUID.randomUUID();
                jdbc.update("insert into agents (id, name, status, created_at, updated_at) "
                        + "values (?, ?, 'ACTIVE', now(), now())", e, "executor-" + i);
                jdbc.update("insert into accounts (id, agent_id, created_at, updated_at) values (?, ?, now(), now())", e, e);
                executors.add(e);
            }
            for (int i = 0; i < n; i++) {
                send(producer, codec, topics, new RequestLease(executors.get(i % executors.size())));
            }
            producer.flush();
            awaitApplied("RequestLease", n);
            long t2 = System.nanoTime();

            List<Map<String, Object>> leases = jdbc.queryForList(
                    "select id, lessee, fencing_token from jobs where status = 'LEASED'");
            assertThat(leases).hasSize(n);
            for (Map<String, Object> lease : leases) {
                send(producer, codec, topics, new CompleteJob((UUID) lease.get("id"), (UUID) lease.get("lessee"),
                        (Long) lease.get("fencing_token"), JsonNodeFactory.instance.objectNode().put("ok", true)));
            }
            producer.flush();
            awaitApplied("CompleteJob", n);
            long t3 = System.nanoTime();

            assertThat(jdbc.queryForObject("select count(*) from jobs where status = 'SUCCEEDED'", Long.class))
                    .isEqualTo(n);
            assertThat(jdbc.queryForObject("select count(*) from processed_commands where outcome <> 'APPLIED'",
                    Long.class)).isZero();
            System.out.printf("%nJOB LIFECYCLE BENCHMARK n=%d jobs (3n=%d commands)%n", n, 3 * n);
            System.out.printf("  submit:   %8.0f commands/s%n", rate(n, t0, t1));
            System.out.printf("  lease:    %8.0f commands/s%n", rate(n, t1, t2));
            System.out.printf("  complete: %8.0f commands/s (includes reading the leases' tokens back)%n", rate(n, t2, t3));
            System.out.printf("  overall:  %8.0f lifecycle commands/s (%d commands in %.2f s)%n%n",
                    rate(3 * n, t0, t3), 3 * n, (t3 - t0) / 1e9);
        }
    }

    private void awaitApplied(String type, long count) {
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(50)).until(() -> jdbc.queryForObject(
                "select count(*) from processed_commands where command_type = ?", Long.class, type) >= count);
    }

    private static void send(KafkaProducer<String, byte[]> producer, MessageCodec codec, Topics topics, JobCommand command) {
        Envelope<JobCommand> envelope = Envelope.of(UUID.randomUUID(), command, "bench", Instant.now());
        producer.send(new ProducerRecord<>(topics.commandsFor(command), command.partitionKey(), codec.encode(envelope)));
    }

    private static double rate(long commands, long fromNanos, long toNanos) {
        return commands / ((toNanos - fromNanos) / 1e9);
    }
}
