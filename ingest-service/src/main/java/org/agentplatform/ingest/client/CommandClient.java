package org.agentplatform.ingest.client;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes commands straight to the command topics, for trusted internal services that do not go through
 * the HTTP API. It does what ingest does: the envelope, the topic and key of {@link Topics#commandsFor} and
 * {@link Command#partitionKey()}, an idempotent producer with {@code acks=all}, and success only once the
 * broker acknowledged. There is no authentication here: whoever may write to the command topics is trusted
 * (restrict it with Kafka ACLs), and {@code actor} is recorded as given.
 *
 * <p>The command id is the dedupe key of the workers: to retry safely, send the same command with the same
 * id (see {@link #send(UUID, Command)}). A new id is a new command.
 *
 * <p>Lives in ingest-service because shared-schema has no Kafka dependency; it needs only kafka-clients and
 * shared-schema, not Spring.
 */
public final class CommandClient implements AutoCloseable {

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final MessageCodec codec;
    private final String actor;
    private final Duration timeout;
    private final Clock clock;

    CommandClient(Producer<String, byte[]> producer, Topics topics, MessageCodec codec, String actor, Duration timeout,
                  Clock clock) {
        this.producer = producer;
        this.topics = topics;
        this.codec = codec;
        this.actor = Objects.requireNonNull(actor, "actor");
        this.timeout = timeout;
        this.clock = clock;
    }

    /**
     * A client with its own producer.
     *
     * @param bootstrapServers the brokers
     * @param topicPrefix      {@code ""} in production (see {@link Topics})
     * @param actor            who the commands come from, recorded in every envelope (e.g. the service's name)
     * @param timeout          how long {@link #send} waits for the acknowledgement; the producer gives up within it
     */
    public static CommandClient create(String bootstrapServers, String topicPrefix, String actor, Duration timeout) {
        return create(bootstrapServers, topicPrefix, actor, timeout, Map.of());
    }

    /** As {@link #create(String, String, String, Duration)}, with extra producer settings (security, client id, ...). */
    public static CommandClient create(String bootstrapServers, String topicPrefix, String actor, Duration timeout,
                                       Map<String, Object> producerSettings) {
        Map<String, Object> config = new HashMap<>(producerSettings);
        int millis = (int) Math.max(1, timeout.toMillis());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        // what makes a send safe to retry is not tuning: set over whatever was passed
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        return new CommandClient(producer, new Topics(topicPrefix), new MessageCodec(), actor, timeout, Clock.systemUTC());
    }

    /** Sends {@code command} as a new command and waits for the acknowledgement; returns its id. */
    public UUID send(Command command) {
        return send(UUID.randomUUID(), command);
    }

    /**
     * Sends {@code command} under {@code commandId} and waits for the acknowledgement. On an exception the
     * command may or may not have arrived: send it again with the same id, and it is applied once.
     *
     * @throws CommandNotAcknowledgedException the broker did not acknowledge within the timeout
     */
    public UUID send(UUID commandId, Command command) {
        try {
            return sendAsync(commandId, command).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new CommandNotAcknowledgedException(commandId, e.getCause());
        } catch (TimeoutException e) {
            throw new CommandNotAcknowledgedException(commandId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandNotAcknowledgedException(commandId, e);
        }
    }

    /** Sends without waiting; the future completes with the id once the broker acknowledged. */
    public CompletableFuture<UUID> sendAsync(UUID commandId, Command command) {
        Envelope<Command> envelope = Envelope.of(commandId, command, actor, clock.instant());
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.commandsFor(command), command.partitionKey(),
                codec.encode(envelope));
        CompletableFuture<UUID> acknowledged = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    acknowledged.complete(commandId);
                } else {
                    acknowledged.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            // send() itself fails when metadata or buffer space do not come within max.block.ms
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }

    @Override
    public void close() {
        producer.close(timeout);
    }

    /** The broker did not confirm a command; it may still arrive, so a retry must reuse {@link #commandId()}. */
    public static final class CommandNotAcknowledgedException extends RuntimeException {

        private final UUID commandId;

        CommandNotAcknowledgedException(UUID commandId, Throwable cause) {
            super("command " + commandId + " was not acknowledged by the broker", cause);
            this.commandId = commandId;
        }

        public UUID commandId() {
            return commandId;
        }
    }
}
