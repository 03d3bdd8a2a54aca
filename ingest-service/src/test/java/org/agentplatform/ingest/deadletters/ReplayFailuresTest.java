package org.agentplatform.ingest.deadletters;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.kafka.support.KafkaHeaders;

/** Which failures a replay survives, and where a dead letter came from: pure logic. */
class ReplayFailuresTest {

    @Test
    void aBrokerOrDatabaseAwayAnywhereInTheCauseChainIsTransientAndAnythingElseIsNot() {
        // a failed send puts the transaction in error; the commit then throws a plain KafkaException around it
        assertThat(ReplayRunner.transientFailure(new KafkaException("abort", new TimeoutException("metadata")))).isTrue();
        assertThat(ReplayRunner.transientFailure(new CannotGetJdbcConnectionException("pool"))).isTrue();
        assertThat(ReplayRunner.transientFailure(new DeadLetterLog.Unavailable("listing", null))).isTrue();
        // records deleted by retention before they were replayed: no later slice finds them
        assertThat(ReplayRunner.transientFailure(new OffsetOutOfRangeException(
                Map.of(new TopicPartition("commands.karma.dlt", 0), 4L)))).isFalse();
        assertThat(ReplayRunner.transientFailure(new IllegalStateException("bug"))).isFalse();
    }

    @Test
    void theOriginalTopicIsSpringsHeaderOrForOlderDeadLettersTheRuntimesOwn() {
        ConsumerRecord<byte[], byte[]> spring = record();
        spring.headers().add(KafkaHeaders.DLT_ORIGINAL_TOPIC, bytes("commands.karma"));
        spring.headers().add(DeadLetter.ORIGINAL, bytes("something-else-0@1"));
        assertThat(DeadLetter.originalTopic(spring)).isEqualTo("commands.karma");

        ConsumerRecord<byte[], byte[]> older = record();
        older.headers().add(DeadLetter.ORIGINAL, bytes("t1.audit.changes-3@1234"));
        assertThat(DeadLetter.originalTopic(older)).isEqualTo("t1.audit.changes");

        assertThat(DeadLetter.originalTopic(record())).isNull();
        ConsumerRecord<byte[], byte[]> garbled = record();
        garbled.headers().add(DeadLetter.ORIGINAL, bytes("@@"));
        assertThat(DeadLetter.originalTopic(garbled)).isNull();
    }

    private static ConsumerRecord<byte[], byte[]> record() {
        return new ConsumerRecord<>("commands.karma.dlt", 0, 7L, bytes("k"), bytes("{}"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
