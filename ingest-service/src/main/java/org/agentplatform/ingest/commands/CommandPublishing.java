package org.agentplatform.ingest.commands;

import java.util.Map;

import org.agentplatform.runtime.DurableProducers;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;

/** The producer side of the command topics. */
@Configuration(proxyBeanMethods = false)
class CommandPublishing {

    /** Kafka 4's default, used when the configuration does not set {@code linger.ms}. */
    private static final long DEFAULT_LINGER_MS = 5;

    @Bean
    Topics topics(TopicProperties properties) {
        return new Topics(properties.prefix());
    }

    @Bean
    MessageCodec messageCodec() {
        return new MessageCodec();
    }

    /**
     * Declares the command topics too: if ingest starts before the workers, the first publish must not
     * auto-create a topic with the broker's default partition count.
     */
    @Bean
    KafkaAdmin.NewTopics commandTopics(Topics topics, TopicProperties properties) {
        return new KafkaAdmin.NewTopics(
                TopicBuilder.name(topics.agentCommands()).partitions(properties.partitions()).build(),
                TopicBuilder.name(topics.karmaCommands()).partitions(properties.partitions()).build(),
                TopicBuilder.name(topics.claimCommands()).partitions(properties.partitions()).build(),
                TopicBuilder.name(topics.jobCommands()).partitions(properties.partitions()).build());
    }

    /**
     * What the 202 promises is not tuning, so it is set here over any configuration: the platform's durable
     * settings ({@link DurableProducers}: acknowledged by all in-sync replicas, retries that cannot duplicate or
     * reorder), and a producer that gives up within the publish timeout instead of Kafka's default of minutes
     * (a dead broker must be a prompt 503, not a hung request). Boot's factory builds its serializers from the
     * class settings, so they are set here too.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer commandProducerSettings(PublishingProperties publishing) {
        return factory -> {
            long timeout = publishing.timeout().toMillis();
            Object linger = factory.getConfigurationProperties().get(ProducerConfig.LINGER_MS_CONFIG);
            long lingerMs = linger == null ? DEFAULT_LINGER_MS : Long.parseLong(linger.toString());
            Map<String, Object> settings = DurableProducers.settings(Map.of(
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout,
                    // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeout, lingerMs + 1),
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1, Math.min(30_000, timeout - lingerMs))));
            settings.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
            settings.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            factory.updateConfigs(settings);
        };
    }
}
