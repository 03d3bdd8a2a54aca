package org.agentplatform.runtime;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * The one place that says how the platform produces: every record is acknowledged by all in-sync replicas and
 * the producer is idempotent, so a retried send neither loses nor duplicates. These are set over whatever the
 * caller passed: they are what makes a send safe to retry, not tuning.
 */
public final class DurableProducers {

    private DurableProducers() {
    }

    /** {@code base} (for example Spring Boot's {@code KafkaProperties.buildProducerProperties()}) made durable. */
    public static Map<String, Object> settings(Map<String, Object> base) {
        Map<String, Object> settings = new HashMap<>(base);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return settings;
    }

    /** A producer of string keys and the bytes of encoded messages. */
    public static KafkaProducer<String, byte[]> producer(Map<String, Object> base) {
        return new KafkaProducer<>(settings(base), new StringSerializer(), new ByteArraySerializer());
    }

    /** The same as a Spring template, for code that hands it to Spring Kafka (dead letters). */
    public static KafkaTemplate<String, byte[]> template(Map<String, Object> base) {
        return new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(settings(base), new StringSerializer(),
                new ByteArraySerializer()));
    }
}
