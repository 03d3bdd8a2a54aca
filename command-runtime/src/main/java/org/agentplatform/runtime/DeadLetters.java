package org.agentplatform.runtime;

import java.nio.charset.StandardCharsets;

import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Sends records that cannot be applied to {@code <topic>.dlt}, with Spring Kafka's standard headers
 * (original topic, partition, offset, exception class and message) plus a short {@code dlt-reason}.
 * Publishing waits for the broker: the record's position is committed only after that.
 */
class DeadLetters {

    static final String REASON_HEADER = "dlt-reason";

    private final DeadLetterPublishingRecoverer recoverer;

    DeadLetters(KafkaOperations<?, ?> template, Topics topics) {
        this.recoverer = new DeadLetterPublishingRecoverer(template,
                (record, e) -> new TopicPartition(topics.deadLetters(record.topic()), -1));
        this.recoverer.setFailIfSendResultIsError(true);
        this.recoverer.setHeadersFunction((record, e) -> {
            var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            headers.add(REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
            return headers;
        });
    }

    void publish(ConsumerRecord<String, byte[]> record, Exception reason) {
        recoverer.accept(record, reason);
    }
}
