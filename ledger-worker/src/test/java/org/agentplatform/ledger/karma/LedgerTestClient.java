package org.agentplatform.ledger.karma;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes ledger commands the way a trusted producer would, and reads topics back. */
final class LedgerTestClient implements AutoCloseable {

    private final TestEnvironment env;
    private final Topics topics;
    private final MessageCodec codec = new MessageCodec();
    private final KafkaProducer<String, byte[]> producer;

    LedgerTestClient(TestEnvironment env) {
        this.env = env;
        this.topics = new Topics(env.topicPrefix());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0),
                new StringSerializer(), new ByteArraySerializer());
    }

    UUID registerAgent(String name) {
        UUID id = UUID.randomUUID();
        send(new RegisterAgent(id, name));
        return id;
    }

    Envelope<LedgerCommand> envelope(LedgerCommand command) {
        return Envelope.of(UUID.randomUUID(), command, "test", Instant.now());
    }

    UUID send(LedgerCommand command) {
        Envelope<LedgerCommand> envelope = envelope(command);
        send(envelope);
        return envelope.id();
    }

    /** Sends as {@code actor} (an agent's id, {@code admin} or a service name) instead of the trusted "test". */
    UUID send(LedgerCommand command, String actor) {
        Envelope<LedgerCommand> envelope = Envelope.of(UUID.randomUUID(), command, actor, Instant.now());
        send(envelope);
        return envelope.id();
    }

    void send(Envelope<LedgerCommand> envelope) {
        sendRaw(topics.commandsFor(envelope.payload()), envelope.payload().partitionKey(), codec.encode(envelope));
    }

    /** Sends without waiting; {@link #flush()} waits for every send so far (producer order per partition holds). */
    void sendAsync(Envelope<LedgerCommand> envelope) {
        producer.send(new ProducerRecord<>(topics.commandsFor(envelope.payload()), envelope.payload().partitionKey(),
                codec.encode(envelope)));
    }

    void flush() {
        producer.flush();
    }

    void sendRaw(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a topic from the start until {@code expected} records arrived or 30 s passed. */
    List<ConsumerRecord<String, byte[]>> readAll(String topic, int expected) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Override
    public void close() {
        producer.close();
    }
}
