package org.agentplatform.runtime;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * The platform's one dead-letter path: sends records that cannot be applied to {@code <topic>.dlt}, with Spring
 * Kafka's standard headers (original topic, partition, offset, exception class and message) plus a short
 * {@code dlt-reason} and {@code dlt-original}. Publishing waits for the broker, so a caller commits the record's
 * position only after the dead letter is stored; a failed publish throws, and the caller retries the record.
 */
public final class DeadLetters {

    public static final String REASON_HEADER = "dlt-reason";
    /** {@code <topic>-<partition>@<offset>} of the original record, beside Spring Kafka's separate headers. */
    public static final String ORIGINAL_HEADER = "dlt-original";

    private final DeadLetterPublishingRecoverer recoverer;

    /** Dead letters sent by their own durable producer, built from {@code producerSettings}. */
    public static DeadLetters create(Map<String, Object> producerSettings, Topics topics) {
        // dead letters carry the original bytes, whatever the application's own template serializes
        return new DeadLetters(DurableProducers.template(producerSettings), topics);
    }

    DeadLetters(KafkaOperations<?, ?> template, Topics topics) {
        this.recoverer = new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(topics.deadLetters(record.topic()), -1));
        this.recoverer.setFailIfSendResultIsError(true);
        this.recoverer.setHeadersFunction((record, e) -> {
            var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
            // the audit log's dead letters carried it before they took this path; one line to grep for
            headers.add(ORIGINAL_HEADER, (record.topic() + "-" + record.partition() + "@" + record.offset())
                    .getBytes(StandardCharsets.UTF_8));
            return headers;
        });
    }

    /** Stores {@code record} as a dead letter for {@code reason}; returns once the broker acknowledged it. */
    public void publish(ConsumerRecord<String, byte[]> record, Exception reason) {
        recoverer.accept(record, reason);
    }
}
