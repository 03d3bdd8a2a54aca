package org.agentplatform.ingest.commands;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes a command in its envelope and returns only once the broker has acknowledged it, so a 202 means
 * the command is durably on its topic. Anything else is a {@link PublishFailedException}: never a silent loss.
 */
@Component
public class CommandPublisher {

    private static final Logger log = LoggerFactory.getLogger(CommandPublisher.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final MessageCodec codec;
    private final Topics topics;
    private final PublishingProperties properties;
    private final Clock clock;

    CommandPublisher(KafkaTemplate<String, byte[]> kafka, MessageCodec codec, Topics topics,
                     PublishingProperties properties, Clock clock) {
        this.kafka = kafka;
        this.codec = codec;
        this.topics = topics;
        this.properties = properties;
        this.clock = clock;
    }

    /** Publishes {@code command} as {@code commandId}, keyed by its partition key. */
    public void publish(UUID commandId, Command command, Actor actor) {
        Envelope<Command> envelope = Envelope.of(commandId, command, actor.name(), clock.instant());
        String topic = topics.commandsFor(command);
        long deadline = System.nanoTime() + properties.timeout().toNanos();
        try {
            kafka.send(topic, command.partitionKey(), codec.encode(envelope))
                    .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw failed(commandId, topic, e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            // RuntimeException: send() itself may throw (buffer full, producer closed)
            throw failed(commandId, topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(commandId, topic, e);
        }
    }

    private PublishFailedException failed(UUID commandId, String topic, Throwable cause) {
        log.warn("Command {} was not acknowledged by the broker on {}: {}", commandId, topic, cause.toString());
        return new PublishFailedException(commandId, cause);
    }
}
