package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.mock.MockProducerFactory;

class ChangePublisherTest {

    private final ChangeRouter router = new ChangeRouter(new Topics(""), List.of("public.accounts"), "public.outbox");
    private final RecordingCommitter committer = new RecordingCommitter();

    @Test
    void sendsTheWholeBatchFlushesOnceAndMarksEveryRecordIncludingSkippedOnes() throws Exception {
        CountingProducer producer = new CountingProducer(null);
        ChangePublisher publisher = publisher(producer);
        List<RecordChangeEvent<SourceRecord>> batch = List.of(
                event(account("a-1")),
                event(ChangeEvents.heartbeat()),
                event(account("a-2")));

        publisher.handleBatch(batch, committer);

        assertThat(producer.history()).extracting(r -> r.key()).containsExactly("accounts:a-1", "accounts:a-2");
        assertThat(producer.flushes).isEqualTo(1);
        assertThat(committer.processed).containsExactlyElementsOf(batch);
        assertThat(committer.batchesFinished).isEqualTo(1);
    }

    @Test
    void aFailedSendFailsTheBatchWithoutMarkingAnythingAndIsNotRetriableForTheEngine() {
        CountingProducer producer = new CountingProducer(new NotEnoughReplicasException("min.insync.replicas not met"));
        ChangePublisher publisher = publisher(producer);
        List<RecordChangeEvent<SourceRecord>> batch = List.of(
                event(account("a-1")),
                event(account("a-2")));

        assertThatThrownBy(() -> publisher.handleBatch(batch, committer))
                .isInstanceOf(ChangePublisher.PublishFailedException.class)
                .isNotInstanceOf(RetriableException.class)
                .hasRootCauseInstanceOf(NotEnoughReplicasException.class);
        assertThat(committer.processed).isEmpty();
        assertThat(committer.batchesFinished).isZero();
    }

    private ChangePublisher publisher(CountingProducer producer) {
        KafkaTemplate<String, byte[]> template = new KafkaTemplate<>(new MockProducerFactory<>(() -> producer));
        return new ChangePublisher(router, template, Duration.ofSeconds(5), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    private static SourceRecord account(String id) {
        return ChangeEvents.change("accounts", "c", ChangeEvents.key("accounts", id), null,
                ChangeEvents.row("audit.public.accounts.Value", ChangeEvents.columns("id", id)));
    }

    private static RecordChangeEvent<SourceRecord> event(SourceRecord record) {
        return () -> record;
    }

    /** Completes sends only on flush, failing the first one if told to. */
    private static final class CountingProducer extends MockProducer<String, byte[]> {
        private final RuntimeException failFirst;
        int flushes;

        CountingProducer(RuntimeException failFirst) {
            super(false, null, new StringSerializer(), new ByteArraySerializer());
            this.failFirst = failFirst;
        }

        @Override
        public synchronized void flush() {
            flushes++;
            if (failFirst != null) {
                errorNext(failFirst);
            }
            while (completeNext()) {
                // complete the rest successfully (not super.flush(): the template may have closed us on the error)
            }
        }
    }

    private static final class RecordingCommitter implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
        final List<RecordChangeEvent<SourceRecord>> processed = new ArrayList<>();
        int batchesFinished;

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record) {
            processed.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchesFinished++;
        }

        @Override
        public void markProcessed(RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets offsets) {
            processed.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }
}
