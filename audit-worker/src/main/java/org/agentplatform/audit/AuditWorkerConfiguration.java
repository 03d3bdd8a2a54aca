package org.agentplatform.audit;

import java.time.Clock;

import org.agentplatform.runtime.DurableProducers;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;

/** What both the CDC pipeline ({@code cdc}) and the audit log ({@code log}) use; each wires itself. */
@Configuration(proxyBeanMethods = false)
class AuditWorkerConfiguration {

    @Bean
    Topics topics(@Value("${platform.topics.prefix:}") String prefix) {
        return new Topics(prefix);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The producer of the application's template (the CDC publisher's) is durable as every producer of the
     * platform: acknowledged by all in-sync replicas, idempotent.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer durableProducer() {
        return factory -> factory.updateConfigs(DurableProducers.settings(factory.getConfigurationProperties()));
    }

    /** Created at start if missing; the event topics belong to the services that write the outbox. */
    @Bean
    NewTopic auditChangesTopic(Topics topics, AuditProperties audit) {
        return TopicBuilder.name(topics.auditChanges()).partitions(audit.auditTopicPartitions()).build();
    }
}
