package org.agentplatform.jobs.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.node.JsonNodeFactory;

/** Publishes job commands the way submitters and executors would, and reads the job tables back. */
final class JobTestClient implements AutoCloseable {

    private final Topics topics;
    private final MessageCodec codec = new MessageCodec();
    private final KafkaProducer<String, byte[]> producer;
    private final JdbcTemplate jdbc;

    JobTestClient(TestEnvironment env, JdbcTemplate jdbc, Map<String, Object> producerOverrides) {
        this.topics = new Topics(env.topicPrefix());
        this.jdbc = jdbc;
        Map<String, Object> config = new java.util.HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0));
        config.putAll(producerOverrides);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    JobTestClient(TestEnvironment env, JdbcTemplate jdbc) {
        this(env, jdbc, Map.of());
    }

    static SubmitJob job(UUID submitter, int priority, int maxAttempts, Duration leaseTimeout) {
        return new SubmitJob(UUID.randomUUID(), submitter, JsonNodeFactory.instance.objectNode().put("run", "echo hi"),
                priority, maxAttempts, leaseTimeout, null);
    }

    /**
     * A registered, active agent with a ledger account, written straight to the ledger's tables the way the
     * ledger worker would (for tests that run the job worker alone): lease requests need one.
     */
    UUID agent() {
        return agent("ACTIVE");
    }

    /** An agent as {@link #agent()}, with the given status (ACTIVE or SUSPENDED). */
    UUID agent(String status) {
        UUID id = UUID.randomUUID();
        java.sql.Timestamp now = java.sql.Timestamp.from(Instant.now());
        jdbc.update("insert into agents (id, name, status, created_at, updated_at) values (?, ?, ?, ?, ?)",
                id, "agent-" + id, status, now, now);
        jdbc.update("insert into accounts (id, agent_id, created_at, updated_at) values (?, ?, ?, ?)", id, id, now, now);
        return id;
    }

    /** Sends and waits for the broker's acknowledgement; returns the command id. */
    UUID send(JobCommand command) {
        return send(command, "test");
    }

    /** Sends as {@code actor} (an agent's id, {@code admin} or a service name) and waits for the broker. */
    UUID send(JobCommand command, String actor) {
        Envelope<JobCommand> envelope = Envelope.of(UUID.randomUUID(), command, actor, Instant.now());
        try {
            producer.send(record(envelope)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return envelope.id();
    }

    /** Sends without waiting; {@link #flush()} waits for every send so far. */
    UUID sendAsync(JobCommand command) {
        Envelope<JobCommand> envelope = Envelope.of(UUID.randomUUID(), command, "test", Instant.now());
        producer.send(record(envelope));
        return envelope.id();
    }

    void flush() {
        producer.flush();
    }

    private ProducerRecord<String, byte[]> record(Envelope<JobCommand> envelope) {
        return new ProducerRecord<>(topics.commandsFor(envelope.payload()), envelope.payload().partitionKey(),
                codec.encode(envelope));
    }

    /** The inbox outcome of a command, or null while it is not applied. */
    String outcome(UUID commandId) {
        return outcome(jdbc, commandId);
    }

    /** As {@link #outcome(UUID)}, read with {@code jdbc}. */
    static String outcome(JdbcTemplate jdbc, UUID commandId) {
        List<String> rows = jdbc.queryForList("select coalesce(reason, outcome) from processed_commands where command_id = ?",
                String.class, commandId);
        return rows.isEmpty() ? null : rows.get(0);
    }

    Map<String, Object> job(UUID jobId) {
        return jdbc.queryForMap("select status, attempts, fencing_token, lessee, run_at, lease_expires_at, result::text as result "
                + "from jobs where id = ?", jobId);
    }

    /** QUEUED and its run_at has passed, so a lease request now gets it. */
    boolean isRunnable(UUID jobId) {
        return jdbc.queryForList("select status = 'QUEUED' and run_at <= ? from jobs where id = ?", Boolean.class,
                java.sql.Timestamp.from(Instant.now()), jobId).contains(Boolean.TRUE);
    }

    /** The job's own events (not the rejections of commands that named it), in order. */
    List<String> eventTypes(UUID jobId) {
        return jdbc.queryForList("select event_type from outbox where aggregate_type = 'job' and aggregate_id = ? "
                + "and event_type <> 'CommandRejected' "
                + "order by created_at, payload->>'occurredAt'", String.class, jobId.toString());
    }

    @Override
    public void close() {
        producer.close();
    }
}
