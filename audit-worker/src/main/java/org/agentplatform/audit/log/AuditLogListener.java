package org.agentplatform.audit.log;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.agentplatform.runtime.DeadLetters;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.messaging.MalformedMessageException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchMessageListener;

/**
 * Consumes {@code audit.changes} in batches: decodes, dead-letters what cannot be decoded (the platform's
 * {@link DeadLetters}: the reason and the original position in headers), and appends the rest in one transaction. Kafka offsets are committed after the transaction,
 * so a crash in between replays the batch, and the writer drops what is already logged: exactly once in the
 * log. Any other failure propagates and the container retries the batch.
 */
class AuditLogListener implements BatchMessageListener<String, byte[]> {

    private static final Logger log = LoggerFactory.getLogger(AuditLogListener.class);

    private final AuditLogWriter writer;
    private final DeadLetters deadLetters;
    private final Clock clock;
    private final AuditChangeCodec codec = new AuditChangeCodec();
    private final Counter appended;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final Timer lag;

    AuditLogListener(AuditLogWriter writer, DeadLetters deadLetters, Clock clock, MeterRegistry meters) {
        this.writer = writer;
        this.deadLetters = deadLetters;
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
                deadLetter(record, e);
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

    /**
     * Returns once the broker has stored the dead letter, so the batch's offsets are not committed before; a failed
     * publish throws, and the container retries the batch.
     */
    private void deadLetter(ConsumerRecord<String, byte[]> record, MalformedMessageException reason) {
        log.error("Dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), reason.getMessage());
        deadLetters.publish(record, reason);
        deadLettered.increment();
    }
}
