package org.agentplatform.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.MeterRegistry;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.embedded.TopicTail;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A record on {@code audit.changes} that the log cannot hold goes to {@code audit.changes.dlt} by the platform's
 * dead-letter path (Spring Kafka's standard headers and {@code dlt-reason}), and the changes after it are logged:
 * the consumer neither skips it silently nor retries it forever.
 */
class AuditLogDeadLetterTest extends AuditWorkerIntegrationTest {

    private static final AuditChangeCodec CODEC = new AuditChangeCodec();

    @Test
    void aRecordThatIsNotAnAuditChangeIsDeadLetteredAndTheChangesAfterItAreLogged() throws Exception {
        assertDeadLetteredAndPassed("{\"changeId\": 42".getBytes(StandardCharsets.UTF_8), "invalid AuditChange");
    }

    /**
     * JSON that decodes, with a primary key PostgreSQL cannot hold (jsonb, like text, has no NUL): refused as it is
     * decoded, instead of failing the batch's insert, which was retried forever.
     */
    @Test
    void aChangeWithNulInAPrimaryKeyStringIsDeadLetteredAndTheChangesAfterItAreLogged() throws Exception {
        String json = new String(CODEC.encode(change("poi-son")), StandardCharsets.UTF_8);
        byte[] poison = json.replace("\"poi-son\"", "\"poi\\u0000son\"").getBytes(StandardCharsets.UTF_8);
        assertDeadLetteredAndPassed(poison, "primaryKey.id contains the NUL character (U+0000)");
    }

    /**
     * Sends {@code poison} and then a good change with the same key (so to the same partition, after it), and checks
     * that the poison is a dead letter with {@code reason} and the original position, and the good change is logged.
     */
    private void assertDeadLetteredAndPassed(byte[] poison, String reason) throws Exception {
        // no engine: the test alone writes audit.changes
        ConfigurableApplicationContext context = start("--platform.audit.enabled=false");
        TopicTail deadLetters = reader(env.topic("audit.changes.dlt"));
        @SuppressWarnings("unchecked")
        KafkaTemplate<String, byte[]> kafka = context.getBean(KafkaTemplate.class);
        AuditChange good = change("after-the-poison");
        String topic = env.topic("audit.changes");
        RecordMetadata sent = kafka.send(topic, good.kafkaKey(), poison).get().getRecordMetadata();
        kafka.send(topic, good.kafkaKey(), CODEC.encode(good)).get();

        await().atMost(Duration.ofSeconds(30)).until(() -> logCount() == 1);
        assertThat(JdbcClient.create(superuser()).sql("select change_id from audit_log").query(String.class).single())
                .isEqualTo(good.changeId().toString());
        ConsumerRecord<String, byte[]> dead = await().atMost(Duration.ofSeconds(30))
                .until(() -> deadLetters.records(env.topic("audit.changes.dlt")), r -> !r.isEmpty()).get(0);
        assertThat(dead.value()).isEqualTo(poison);
        assertThat(dead.key()).isEqualTo(good.kafkaKey());
        assertThat(TopicTail.header(dead, "dlt-reason")).contains(reason);
        assertThat(TopicTail.header(dead, "kafka_dlt-original-topic")).isEqualTo(topic);
        assertThat(TopicTail.header(dead, "dlt-original"))
                .isEqualTo(topic + "-" + sent.partition() + "@" + sent.offset());
        assertThat(ByteBuffer.wrap(header(dead, "kafka_dlt-original-partition")).getInt()).isEqualTo(sent.partition());
        assertThat(ByteBuffer.wrap(header(dead, "kafka_dlt-original-offset")).getLong()).isEqualTo(sent.offset());
        assertThat(context.getBean(MeterRegistry.class).get("audit.log.dead_lettered").counter().count()).isEqualTo(1);
    }

    private static AuditChange change(String id) {
        ObjectNode key = JsonNodeFactory.instance.objectNode().put("id", id);
        return AuditChange.of("public", "agents", Operation.INSERT, key, null, key.deepCopy().put("name", "n"), 1, 1,
                null, Instant.parse("2026-01-02T03:04:05.123456Z"));
    }

    private static byte[] header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertThat(header).as(name).isNotNull();
        return header.value();
    }
}
