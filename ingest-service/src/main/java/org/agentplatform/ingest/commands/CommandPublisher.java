package org.agentplatform.ingest.commands;

import java.time.Clock;
import java.time.Instant;
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
 * The one publish path. A command is first admitted ({@link CommandAdmission}: storable, and the caller's to
 * send), then it is published in its envelope, returning only once the broker has acknowledged it, so a 202 means the
 * command is durably on its topic. Anything else is a {@link PublishFailedException}: never a silent loss.
 */
@Component
class CommandPublisher {

    private static final Logger log = LoggerFactory.getLogger(CommandPublisher.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final MessageCodec codec;
    private final Topics topics;
    private final PublishingProperties properties;
    private final Clock clock;
    private final CommandAdmission admission;

    CommandPublisher(KafkaTemplate<String, byte[]> kafka, MessageCodec codec, Topics topics,
                     PublishingProperties properties, Clock clock, CommandAdmission admission) {
        this.admission = admission;
        this.kafka = kafka;
        this.codec = codec;
        this.topics = topics;
        this.properties = properties;
        this.clock = clock;
    }

    /**
     * Publishes {@code command} as {@code commandId}, keyed by its partition key.
     *
     * @throws CommandRefusedException (400 or 403) if it may not be published; nothing was then written or sent
     */
    void publish(UUID commandId, Command command, Actor actor) {
        admission.admit(command, actor);
        Instant now = clock.instant();
        Envelope<Command> envelope = Envelope.of(commandId, command, actor.name(), now);
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
