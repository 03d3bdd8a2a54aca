package org.agentplatform.runtime;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Puts a command on the wire the one way the workers expect it: in its envelope, on the topic of its type, keyed
 * by its partition key (so one aggregate's commands keep their order). The future completes when the broker
 * acknowledged the record; if it fails the command may still have arrived, and a resend under the same id is
 * applied once.
 */
public final class CommandSender implements AutoCloseable {

    private final Producer<String, byte[]> producer;
    private final Topics topics;
    private final MessageCodec codec;

    public CommandSender(Producer<String, byte[]> producer, Topics topics, MessageCodec codec) {
        this.producer = producer;
        this.topics = topics;
        this.codec = codec;
    }

    /** Sends {@code envelope}; see {@link #sendEncoded}. */
    public CompletableFuture<Void> send(Envelope<? extends Command> envelope) {
        Command command = envelope.payload();
        return sendEncoded(topics.commandsFor(command), command.partitionKey(), codec.encode(envelope));
    }

    /**
     * Sends a command envelope encoded earlier (a relay of stored commands). The future fails, rather than this
     * method throwing, when {@code send} itself gives up (no metadata or buffer space within {@code max.block.ms}).
     */
    public CompletableFuture<Void> sendEncoded(String topic, String key, byte[] envelope) {
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, envelope), (metadata, error) -> {
                if (error == null) {
                    acknowledged.complete(null);
                } else {
                    acknowledged.completeExceptionally(error);
                }
            });
        } catch (RuntimeException e) {
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }

    /** Sends what is buffered now instead of after {@code linger.ms}. */
    public void flush() {
        producer.flush();
    }

    public void close(Duration timeout) {
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
