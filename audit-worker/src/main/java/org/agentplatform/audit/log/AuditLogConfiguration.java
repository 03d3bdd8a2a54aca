package org.agentplatform.audit.log;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.agentplatform.audit.AuditProperties;
import org.agentplatform.runtime.ConsumerGroupSettings;
import org.agentplatform.runtime.DeadLetters;
import org.agentplatform.runtime.GroupMembership;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.backoff.FixedBackOff;

@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ConsumerGroupSettings.class)
class AuditLogConfiguration {

    @Bean
    AuditLogVerifier auditLogVerifier(JdbcTemplate jdbc, AuditProperties audit) {
        return new AuditLogVerifier(jdbc, audit.auditedTables());
    }

    @Bean
    AuditVerifyController auditVerifyController(AuditLogVerifier verifier) {
        return new AuditVerifyController(verifier);
    }

    /** Always there (readiness names it); reports the consumer when this instance runs one. */
    @Bean
    AuditLogHealthIndicator auditLogHealthIndicator(
            ObjectProvider<ConcurrentMessageListenerContainer<String, byte[]>> container,
            ObjectProvider<GroupMembership> membership) {
        return new AuditLogHealthIndicator(container.getIfAvailable(), membership.getIfAvailable());
    }

    @Bean
    @ConditionalOnProperty(name = "platform.audit.verify.on-start", havingValue = "true")
    AuditVerifyRunner auditVerifyRunner(AuditLogVerifier verifier,
                                        org.springframework.context.ConfigurableApplicationContext context) {
        return new AuditVerifyRunner(verifier, context);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "platform.audit.log.enabled", havingValue = "true", matchIfMissing = true)
    static class Consumer {

        @Bean
        AuditLogWriter auditLogWriter(JdbcTemplate jdbc, TransactionTemplate tx, Clock clock) {
            return new AuditLogWriter(jdbc, tx, clock);
        }

        @Bean
        AuditLogListener auditLogListener(AuditLogWriter writer, KafkaProperties kafka, Topics topics, Clock clock,
                                          MeterRegistry meters) {
            return new AuditLogListener(writer, DeadLetters.create(kafka.buildProducerProperties(), topics), clock, meters);
        }

        @Bean
        GroupMembership auditLogMembership(Topics topics, AuditLogProperties settings) {
            return new GroupMembership(topics.prefix() + settings.group());
        }

        /**
         * One consumer per instance in group {@code <prefix>audit-log}; appends are serialised by the chain head
         * lock anyway, so more threads would only wait on each other. Session timeout, heartbeat, cooperative
         * assignment and static membership are those of every consumer group of the platform: a killed instance's
         * partitions move on within the session timeout, not Kafka's 45 s default.
         */
        @Bean
        ConcurrentMessageListenerContainer<String, byte[]> auditLogContainer(KafkaProperties kafka, Topics topics,
                                                                             AuditLogProperties settings,
                                                                             ConsumerGroupSettings group,
                                                                             GroupMembership membership,
                                                                             AuditLogListener listener) {
            Map<String, Object> props = new HashMap<>(kafka.buildConsumerProperties());
            props.put(ConsumerConfig.GROUP_ID_CONFIG, membership.groupId());
            group.applyTo(props);
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            var consumers = new DefaultKafkaConsumerFactory<>(props, new StringDeserializer(), new ByteArrayDeserializer());
            ContainerProperties container = new ContainerProperties(topics.auditChanges());
            container.setMessageListener(listener);
            container.setAckMode(ContainerProperties.AckMode.BATCH);
            container.setConsumerRebalanceListener(membership);
            var result = new ConcurrentMessageListenerContainer<>(consumers, container);
            result.setConcurrency(1);
            // retried until it succeeds: skipping (or dead-lettering) a decodable change would lose it
            result.setCommonErrorHandler(new DefaultErrorHandler(
                    new FixedBackOff(settings.retryInterval().toMillis(), FixedBackOff.UNLIMITED_ATTEMPTS)));
            result.setBeanName("auditLogContainer");
            return result;
        }
    }
}
