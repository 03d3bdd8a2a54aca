package org.agentplatform.audit;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;

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

    /** Created at start if missing; the event topics belong to the services that write the outbox. */
    @Bean
    NewTopic auditChangesTopic(Topics topics, AuditProperties audit) {
        return TopicBuilder.name(topics.auditChanges()).partitions(audit.auditTopicPartitions()).build();
    }

    @Bean
    ChangeRouter changeRouter(Topics topics, AuditProperties audit) {
        return new ChangeRouter(topics, audit.auditedTables(), audit.outboxTable());
    }

    @Bean
    ChangePublisher changePublisher(ChangeRouter router, KafkaTemplate<String, byte[]> kafka, AuditProperties audit,
                                    Clock clock, MeterRegistry meters) {
        return new ChangePublisher(router, kafka, audit.publishTimeout(), clock, meters);
    }

    /** Connects with the same database and credentials as the application's datasource. */
    @Bean
    CdcEngine cdcEngine(AuditProperties audit, JdbcConnectionDetails database, ChangePublisher publisher, Clock clock) {
        return new CdcEngine(EngineProperties.of(audit, database.getJdbcUrl(), database.getUsername(),
                database.getPassword()), publisher, audit, clock);
    }

    @Bean
    CdcHealthIndicator cdcHealthIndicator(CdcEngine engine, JdbcClient jdbc) {
        return new CdcHealthIndicator(engine, jdbc);
    }
}
