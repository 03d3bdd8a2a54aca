package org.agentplatform.ledger.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;

import org.agentplatform.embedded.KafkaServer;
import org.agentplatform.embedded.PostgresServer;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Not a test: pushes N karma transfers through a real Kafka broker and a real PostgreSQL 16 (fsync and
 * synchronous_commit on) into the ledger worker and prints transfers/s, first for the batch applier (up to
 * 500 commands per transaction), then for the naive one (max.poll.records=1: one transaction per command
 * through the same code path), each on its own fresh database and topics, and the ratio.
 *
 * <p>Run (from the repository root, after {@code mvn -B -q -pl ledger-worker -am install -DskipTests}):
 * <pre>
 * mvn -B -q -pl ledger-worker test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * cd ledger-worker &amp;&amp; java -Djava.io.tmpdir=target -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) \
 *     org.agentplatform.ledger.bench.LedgerBenchmark
 * </pre>
 * Options: {@code -Dbench.transfers=50000 -Dbench.naiveTransfers=5000 -Dbench.accounts=1000 -Dbench.concurrency=2
 * -Dbench.maxPollRecords=500}.
 */
public final class LedgerBenchmark {

    private static final MessageCodec CODEC = new MessageCodec();

    private LedgerBenchmark() {
    }

    public static void main(String[] args) {
        int transfers = Integer.getInteger("bench.transfers", 50_000);
        int naiveTransfers = Integer.getInteger("bench.naiveTransfers", 5_000);
        int accounts = Integer.getInteger("bench.accounts", 1_000);
        int concurrency = Integer.getInteger("bench.concurrency", 2);
        int maxPollRecords = Integer.getInteger("bench.maxPollRecords", 2000);
        try (PostgresServer pg = PostgresServer.start(null, 0); KafkaServer kafka = KafkaServer.start(null, 0)) {
            System.out.printf("PostgreSQL %s, Kafka at %s; %d accounts, %d consumer threads, 4 partitions, batch max.poll.records %d%n",
                    pg.version(), kafka.bootstrapServers(), accounts, concurrency, maxPollRecords);
            double batch = run("batch", maxPollRecords, transfers, accounts, concurrency, pg, kafka);
            double naive = run("naive", 1, naiveTransfers, accounts, concurrency, pg, kafka);
            System.out.printf("%nRESULT batch applier: %.0f transfers/s (%d transfers)%n", batch, transfers);
            System.out.printf("RESULT naive applier: %.0f transfers/s (%d transfers)%n", naive, naiveTransfers);
            System.out.printf("RESULT ratio batch/naive: %.1fx%n", batch / naive);
        }
        System.exit(0);
    }

    private static double run(String name, int maxPollRecords, int transfers, int accounts, int concurrency,
                              PostgresServer pg, KafkaServer kafka) {
        String database = "bench_" + name;
        pg.createDatabase(database);
        String prefix = "bench" + name + ".";
        Topics topics = new Topics(prefix);
        kafka.createTopics(4, topics.agentCommands(), topics.karmaCommands());
        String[] args = {
                "--spring.datasource.url=" + pg.jdbcUrl(database), // with reWriteBatchedInserts=true
                "--spring.datasource.username=" + pg.username(), "--spring.datasource.password=postgres",
                "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(), "--platform.topics.prefix=" + prefix,
                "--platform.consumer.max-poll-records=" + maxPollRecords,
                "--platform.consumer.concurrency=" + concurrency, "--server.port=0",
                "--logging.level.root=WARN", "--logging.level.org.agentplatform=WARN"};
        try (ConfigurableApplicationContext worker = LedgerWorkerApplication.application().run(args);
             KafkaProducer<String, byte[]> producer = producer(kafka)) {
            JdbcTemplate jdbc = worker.getBean(JdbcTemplate.class);
            SplittableRandom random = new SplittableRandom(42);
            List<UUID> ids = new ArrayList<>(accounts);
            List<Envelope<LedgerCommand>> setup = new ArrayList<>();
            for (int i = 0; i < accounts; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                setup.add(envelope(new RegisterAgent(id, "bench-" + i)));
            }
            send(producer, topics, setup);
            awaitProcessed(jdbc, accounts);
            setup.clear();
            ids.forEach(id -> setup.add(envelope(new GrantKarma(id, 1_000_000))));
            send(producer, topics, setup);
            awaitProcessed(jdbc, 2L * accounts);

            // Encoded before the clock starts: the producer's serialization is not the applier's work.
            List<ProducerRecord<String, byte[]>> load = new ArrayList<>(transfers);
            for (int i = 0; i < transfers; i++) {
                UUID debit = ids.get(random.nextInt(accounts));
                UUID credit = ids.get(random.nextInt(accounts));
                while (credit.equals(debit)) {
                    credit = ids.get(random.nextInt(accounts));
                }
                Envelope<LedgerCommand> e = envelope(new TransferKarma(debit, credit, 1 + random.nextInt(10)));
                load.add(new ProducerRecord<>(topics.commandsFor(e.payload()), e.payload().partitionKey(), CODEC.encode(e)));
            }
            long t0 = System.nanoTime();
            load.forEach(producer::send);
            producer.flush();
            long sent = System.nanoTime();
            awaitProcessed(jdbc, 2L * accounts + transfers);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long applied = jdbc.queryForObject("select count(*) from transfers where kind = 'TRANSFER'", Long.class);
            long sum = jdbc.queryForObject("select sum(balance) from accounts", Long.class);
            System.out.printf("%s: %d transfers (%d applied) in %.2f s (producing took %.2f s) = %.0f transfers/s; "
                            + "sum of balances %d%n", name, transfers, applied, seconds, (sent - t0) / 1e9,
                    transfers / seconds, sum);
            return transfers / seconds;
        }
    }

    private static Envelope<LedgerCommand> envelope(LedgerCommand command) {
        return Envelope.of(UUID.randomUUID(), command, "bench", Instant.now());
    }

    private static void send(KafkaProducer<String, byte[]> producer, Topics topics, List<Envelope<LedgerCommand>> commands) {
        for (Envelope<LedgerCommand> e : commands) {
            producer.send(new ProducerRecord<>(topics.commandsFor(e.payload()), e.payload().partitionKey(), CODEC.encode(e)));
        }
        producer.flush();
    }

    private static void awaitProcessed(JdbcTemplate jdbc, long expected) {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (jdbc.queryForObject("select count(*) from processed_commands", Long.class) < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + expected + " outcomes");
            }
            try {
                Thread.sleep(50); // a polling benchmark driver, not a test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer(KafkaServer kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                new StringSerializer(), new ByteArraySerializer());
    }
}
