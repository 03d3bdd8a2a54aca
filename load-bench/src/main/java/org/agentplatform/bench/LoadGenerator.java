package org.agentplatform.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Open loop: command n of a step is due at {@code start + n / rate}, whatever the system answers. Sends never
 * wait for acknowledgements (Kafka: batched async producer; HTTP: async client), and each command is stamped
 * with its scheduled time, not the time it actually left: if the producer itself falls behind, that delay is
 * part of the measured latency rather than hidden (no coordinated omission).
 */
public final class LoadGenerator implements AutoCloseable {

    private static final MessageCodec CODEC = new MessageCodec();
    private static final String ACTOR = "load-bench";

    private final KafkaProducer<String, byte[]> producer;
    private final Topics topics;
    private final Workload workload;
    /** Null when no HTTP share is sent (no keys). */
    private final @Nullable IngestClient ingest;
    private final List<UUID> httpAgents;
    private final List<String> httpKeys;
    private final Counters counters;
    private final int httpEvery;

    LoadGenerator(String bootstrap, Topics topics, Workload workload, @Nullable IngestClient ingest, List<UUID> httpAgents,
                  List<String> httpKeys, Counters counters, double httpShare) {
        this(bootstrap, "lz4", topics, workload, ingest, httpAgents, httpKeys, counters, httpShare);
    }

    LoadGenerator(String bootstrap, String compression, Topics topics, Workload workload, @Nullable IngestClient ingest,
                  List<UUID> httpAgents, List<String> httpKeys, Counters counters, double httpShare) {
        this.producer = producer(bootstrap, compression);
        this.topics = topics;
        this.workload = workload;
        this.ingest = ingest;
        this.httpAgents = httpAgents;
        this.httpKeys = httpKeys;
        this.counters = counters;
        this.httpEvery = httpShare <= 0 || httpKeys.isEmpty() ? 0 : (int) Math.round(1 / httpShare);
    }

    /** Producer tuning from STACK-NOTES: acks=all with idempotence, 20 ms linger, 256 KiB batches, lz4 by default. */
    public static KafkaProducer<String, byte[]> producer(String bootstrap, String compression) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, compression), new StringSerializer(), new ByteArraySerializer());
    }

    /** Set-up traffic (registrations, grants): plain ids, sent as fast as the producer takes them. */
    void sendSetup(List<? extends Command> commands) {
        for (Command c : commands) {
            Envelope<Command> e = Envelope.of(UUID.randomUUID(), c, ACTOR, Instant.now());
            producer.send(new ProducerRecord<>(topics.commandsFor(c), c.partitionKey(), CODEC.encode(e)));
        }
        producer.flush();
    }

    /**
     * Registers the workload's accounts and grants them karma, each phase awaited in the inbox of {@code jdbc}'s
     * database (registration must be applied before a grant to the account can be).
     */
    void registerAndGrant(Workload workload, String namePrefix, JdbcTemplate jdbc) throws InterruptedException {
        List<Command> registrations = new ArrayList<>();
        for (int i = 0; i < workload.accounts().size(); i++) {
            registrations.add(new RegisterAgent(workload.accounts().get(i), namePrefix + i));
        }
        // executors are agents too: the job worker leases only to registered, active agents
        int e = 0;
        for (UUID executor : workload.executors()) {
            registrations.add(new RegisterAgent(executor, namePrefix + "executor-" + e++));
        }
        long base = applied(jdbc);
        sendSetup(registrations);
        awaitApplied(jdbc, base + registrations.size());
        sendSetup(workload.accounts().stream().map(id -> new GrantKarma(id, Workload.GRANT)).toList());
        awaitApplied(jdbc, base + registrations.size() + workload.accounts().size());
    }

    /** Commands with an outcome in the inbox so far. */
    static long applied(JdbcTemplate jdbc) {
        return Objects.requireNonNull(jdbc.queryForObject("select count(*) from processed_commands", Long.class), "count");
    }

    /** Polls the inbox (a full count: for set-up and baselines, not while the system is measured). */
    static void awaitApplied(JdbcTemplate jdbc, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        long n;
        while ((n = applied(jdbc)) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(n + " of " + expected + " commands applied after 10 min");
            }
            System.out.printf("\rapplied %,d of %,d   ", n, expected);
            Thread.sleep(250);
        }
    }

    /** Runs one step on the calling thread: {@code rate} commands/s for {@code seconds}. */
    void runStep(int rate, int seconds) {
        long start = System.nanoTime();
        long startMicros = TimedIds.micros(Instant.now());
        long duration = seconds * 1_000_000_000L;
        long n = 0;
        while (true) {
            long elapsed = System.nanoTime() - start;
            if (elapsed >= duration) {
                break;
            }
            long due = (long) (elapsed / 1e9 * rate);
            for (; n < due; n++) {
                long scheduledMicros = startMicros + (long) (n * 1e6 / rate);
                counters.scheduled.increment();
                if (httpEvery > 0 && n % httpEvery == 0) {
                    sendHttp(scheduledMicros);
                } else {
                    sendKafka(workload.next(), scheduledMicros);
                }
            }
            LockSupport.parkNanos(200_000);
        }
    }

    private void sendKafka(Command t, long scheduledMicros) {
        UUID id = TimedIds.at(scheduledMicros);
        Envelope<Command> e = Envelope.of(id, t, ACTOR, TimedIds.instant(scheduledMicros));
        try {
            producer.send(new ProducerRecord<>(topics.commandsFor(t), t.partitionKey(), CODEC.encode(e)), (meta, error) -> {
                if (error == null) {
                    counters.kafkaAcked.increment();
                } else {
                    counters.kafkaFailed.increment();
                }
            });
        } catch (RuntimeException ex) { // e.g. buffer full past max.block.ms: counted, not lost
            counters.kafkaFailed.increment();
        }
    }

    private void sendHttp(long scheduledMicros) {
        int i = workload.nextInt(httpAgents.size());
        IngestClient client = Objects.requireNonNull(ingest, "an HTTP share needs an ingest client");
        client.sendTransfer(workload.transferFrom(httpAgents.get(i)), httpKeys.get(i), scheduledMicros);
    }

    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
