package org.agentplatform.audit.log;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.messaging.MalformedMessageException;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchMessageListener;

/**
 * Consumes {@code audit.changes} in batches: decodes, dead-letters what cannot be decoded (with the reason
 * in headers), and appends the rest in one transaction. Kafka offsets are committed after the transaction,
 * so a crash in between replays the batch, and the writer drops what is already logged: exactly once in the
 * log. Any other failure propagates and the container retries the batch.
 */
class AuditLogListener implements BatchMessageListener<String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(AuditLogListener.class);

    private final AuditLogWriter writer;
    private final KafkaTemplate<String, byte[]> kafka;
    private final Topics topics;
    private final Clock clock;
    private final AuditChangeCodec codec = new AuditChangeCodec();
    private final Counter appended;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final Timer lag;

    AuditLogListener(AuditLogWriter writer, KafkaTemplate<String, byte[]> kafka, Topics topics, Clock clock,
                     MeterRegistry meters) {
        this.writer = writer;
        this.kafka = kafka;
        this.topics = topics;
        this.clock = clock;
        this.appended = meters.counter("audit.log.appended");
        this.duplicates = meters.counter("audit.log.duplicates");
        this.deadLettered = meters.counter("audit.log.dead_lettered");
        this.lag = Timer.builder("audit.log.lag").description("commit of a change to its audit log entry's commit")
                .publishPercentiles(0.5, 0.99).register(meters);
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, byte[]>> records) {
        List<AuditChange> changes = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                changes.add(codec.decode(record.value()));
            } catch (MalformedMessageException e) {
                deadLetter(record, e.getMessage());
            }
        }
        AuditLogWriter.Appended result = writer.append(changes);
        appended.increment(result.appended());
        duplicates.increment(result.duplicates());
        var now = clock.instant();
        for (AuditChange change : changes) {
            if (change.operation() != AuditChange.Operation.SNAPSHOT) {
                lag.record(Duration.between(change.commitTime(), now));
            }
        }
    }

    /** Synchronously, so the batch's offsets are not committed before the dead letter is stored. */
    private void deadLetter(ConsumerRecord<String, byte[]> record, String reason) {
        log.error("Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason);
        ProducerRecord<String, byte[]> dead = new ProducerRecord<>(topics.deadLetters(record.topic()), null,
                record.key(), record.value());
        record.headers().forEach(dead.headers()::add);
        dead.headers().add(new RecordHeader("dlt-reason", utf8(reason)));
        dead.headers().add(new RecordHeader("dlt-original", utf8(record.topic() + "-" + record.partition() + "@"
                + record.offset())));
        try {
            kafka.send(dead).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while dead-lettering", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not dead-letter a malformed audit change; retrying the batch", e);
        }
        deadLettered.increment();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
