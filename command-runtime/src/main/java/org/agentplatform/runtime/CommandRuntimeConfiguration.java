package org.agentplatform.runtime;

import java.time.Clock;

import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * What a worker gets by importing it: the {@link CommandConsumers} that builds its listener container.
 * Imported explicitly (not an auto-configuration) so that apps sharing a classpath in the local stack,
 * such as the ingest service, do not pick it up.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({RuntimeProperties.class, ConsumerGroupSettings.class})
public class CommandRuntimeConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    Topics topics(@Value("${platform.topics.prefix:}") String prefix) {
        return new Topics(prefix);
    }

    @Bean
    @ConditionalOnMissingBean
    MessageCodec messageCodec() {
        return new MessageCodec();
    }

    @Bean
    Outbox outbox(JdbcTemplate jdbc, MessageCodec codec, RuntimeProperties properties) {
        return new Outbox(jdbc, codec, properties.deleteOutboxRows());
    }

    @Bean
    CommandOutcomes commandOutcomes(JdbcTemplate jdbc) {
        return new CommandOutcomes(jdbc);
    }

    @Bean
    DeferredOutcomes deferredOutcomes(JdbcTemplate jdbc, Outbox outbox) {
        return new DeferredOutcomes(new Inbox(jdbc), outbox);
    }

    @Bean
    CommandConsumersHealthIndicator commandConsumersHealthIndicator(CommandConsumers consumers) {
        return new CommandConsumersHealthIndicator(consumers);
    }

    @Bean
    CommandConsumers commandConsumers(RuntimeProperties properties, ConsumerGroupSettings group, KafkaProperties kafka,
                                      JdbcTemplate jdbc,
                                      PlatformTransactionManager transactions, MessageCodec codec, Outbox outbox,
                                      Topics topics, MeterRegistry meters, Clock clock) {
        return new CommandConsumers(properties, group, kafka, jdbc, new TransactionTemplate(transactions), codec, outbox,
                DeadLetters.create(kafka.buildProducerProperties(), topics), topics, meters, clock);
    }
}
