package org.agentplatform.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.errors.RetriableException;
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
        List<ChangeEvent<String, String>> batch = List.of(
                event("{\"id\":\"a-1\"}", ChangeRouterTest.change("accounts", "c", null, "{\"id\":\"a-1\"}")),
                event("{\"serverName\":\"audit\"}", "{\"ts_ms\":1}"),
                event("{\"id\":\"a-2\"}", ChangeRouterTest.change("accounts", "c", null, "{\"id\":\"a-2\"}")));

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
        List<ChangeEvent<String, String>> batch = List.of(
                event("{\"id\":\"a-1\"}", ChangeRouterTest.change("accounts", "c", null, "{\"id\":\"a-1\"}")),
                event("{\"id\":\"a-2\"}", ChangeRouterTest.change("accounts", "c", null, "{\"id\":\"a-2\"}")));

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

    private static ChangeEvent<String, String> event(String key, String value) {
        return new ChangeEvent<>() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public String value() {
                return value;
            }

            @Override
            public String destination() {
                return "audit.public.accounts";
            }

            @Override
            public Integer partition() {
                return null;
            }
        };
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

    private static final class RecordingCommitter implements DebeziumEngine.RecordCommitter<ChangeEvent<String, String>> {
        final List<ChangeEvent<String, String>> processed = new ArrayList<>();
        int batchesFinished;

        @Override
        public void markProcessed(ChangeEvent<String, String> record) {
            processed.add(record);
        }

        @Override
        public void markBatchFinished() {
            batchesFinished++;
        }

        @Override
        public void markProcessed(ChangeEvent<String, String> record, DebeziumEngine.Offsets offsets) {
            processed.add(record);
        }

        @Override
        public DebeziumEngine.Offsets buildOffsets() {
            throw new UnsupportedOperationException();
        }
    }
}
