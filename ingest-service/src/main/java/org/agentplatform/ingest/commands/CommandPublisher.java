package org.agentplatform.ingest.commands;

import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.runtime.CommandSender;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.stereotype.Component;

/**
 * The one publish path. A command is first admitted ({@link CommandAdmission}: storable, and the caller's to
 * send), then it is published in its envelope ({@link CommandSender}), returning only once the broker has
 * acknowledged it, so a 202 means the command is durably on its topic. Anything else is a
 * {@link PublishFailedException}: never a silent loss.
 */
@Component
class CommandPublisher {

    private static final Logger log = LoggerFactory.getLogger(CommandPublisher.class);

    private final ProducerFactory<String, byte[]> producers;
    private final MessageCodec codec;
    private final Topics topics;
    private final PublishingProperties properties;
    private final Clock clock;
    private final CommandAdmission admission;

    CommandPublisher(ProducerFactory<String, byte[]> producers, MessageCodec codec, Topics topics,
                     PublishingProperties properties, Clock clock, CommandAdmission admission) {
        this.producers = producers;
        this.codec = codec;
        this.topics = topics;
        this.properties = properties;
        this.clock = clock;
        this.admission = admission;
    }

    /**
     * Publishes {@code command} as {@code commandId}, keyed by its partition key.
     *
     * @throws CommandRefusedException (400 or 403) if it may not be published; nothing was then written or sent
     */
    void publish(UUID commandId, Command command, Actor actor) {
        admission.admit(command, actor);
        Envelope<Command> envelope = Envelope.of(commandId, command, actor.name(), clock.instant());
        long deadline = System.nanoTime() + properties.timeout().toNanos();
        try {
            sender().send(envelope).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // a CompletableFuture only fails with a cause (completeExceptionally refuses null)
            throw failed(commandId, command, Objects.requireNonNull(e.getCause(), "cause"));
        } catch (TimeoutException | RuntimeException e) {
            // RuntimeException: the producer could not be had, or the envelope not encoded
            throw failed(commandId, command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(commandId, command, e);
        }
    }

    /**
     * Over the factory's shared producer, asked for on each publish as Spring's template does: the factory
     * replaces a producer that failed for good (and keeps the producer metrics Boot registers with it).
     */
    private CommandSender sender() {
        return new CommandSender(producers.createProducer(), topics, codec);
    }

    private PublishFailedException failed(UUID commandId, Command command, Throwable cause) {
        log.warn("Command {} was not acknowledged by the broker on {}: {}", commandId, topics.commandsFor(command),
                cause.toString());
        return new PublishFailedException(commandId, cause);
    }
}
