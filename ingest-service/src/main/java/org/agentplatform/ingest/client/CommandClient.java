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

import org.agentplatform.runtime.CommandSender;
import org.agentplatform.runtime.DurableProducers;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Publishes commands straight to the command topics, for trusted internal services that do not go through
 * the HTTP API. It does what ingest does, with the same parts: the envelope on its topic under its partition key
 * ({@link CommandSender}), a durable producer ({@link DurableProducers}: idempotent, {@code acks=all}), and
 * success only once the broker acknowledged. There is no authentication here: whoever may write to the command
 * topics is trusted (restrict it with Kafka ACLs), and {@code actor} is recorded as given.
 *
 * <p>The command id is the dedupe key of the workers: to retry safely, send the same command with the same
 * id (see {@link #send(UUID, Command)}). A new id is a new command.
 *
 * <p>Needs no Spring context: a producer's client library, built from command-runtime's sending parts.
 */
public final class CommandClient implements AutoCloseable {

    private final CommandSender sender;
    private final String actor;
    private final Duration timeout;
    private final Clock clock;

    CommandClient(CommandSender sender, String actor, Duration timeout, Clock clock) {
        this.sender = sender;
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
        // a send gives up within the timeout, set over whatever was passed (as are the durable settings)
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, millis);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        CommandSender sender = new CommandSender(DurableProducers.producer(config), new Topics(topicPrefix), new MessageCodec());
        return new CommandClient(sender, actor, timeout, Clock.systemUTC());
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
            // a CompletableFuture only fails with a cause (completeExceptionally refuses null)
            throw new CommandNotAcknowledgedException(commandId, Objects.requireNonNull(e.getCause(), "cause"));
        } catch (TimeoutException e) {
            throw new CommandNotAcknowledgedException(commandId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandNotAcknowledgedException(commandId, e);
        }
    }

    /** Sends without waiting; the future completes with the id once the broker acknowledged. */
    public CompletableFuture<UUID> sendAsync(UUID commandId, Command command) {
        CompletableFuture<UUID> acknowledged = new CompletableFuture<>();
        // the broker's own error, not a CompletionException around it, as a caller of this future always got
        sender.send(Envelope.of(commandId, command, actor, clock.instant())).whenComplete((ok, error) -> {
            if (error == null) {
                acknowledged.complete(commandId);
            } else {
                acknowledged.completeExceptionally(error);
            }
        });
        return acknowledged;
    }

    @Override
    public void close() {
        sender.close(timeout);
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
