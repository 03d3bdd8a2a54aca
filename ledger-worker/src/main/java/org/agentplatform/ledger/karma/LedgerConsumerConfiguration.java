package org.agentplatform.ledger.karma;

import java.util.List;

import org.agentplatform.runtime.CommandConsumers;
import org.agentplatform.schema.ledger.Claims;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/** The ledger worker's command consumer and the topics it owns. */
@Configuration(proxyBeanMethods = false)
class LedgerConsumerConfiguration {

    @Bean
    ConcurrentMessageListenerContainer<String, byte[]> ledgerCommandConsumer(CommandConsumers consumers, Topics topics,
                                                                             LedgerCommandHandler handler) {
        return consumers.container(List.of(topics.agentCommands(), topics.karmaCommands(), topics.claimCommands()), handler);
    }

    @Bean
    KafkaAdmin.NewTopics ledgerTopics(Topics topics, @Value("${platform.topics.partitions:4}") int partitions) {
        return new KafkaAdmin.NewTopics(
                topic(topics.agentCommands(), partitions), topic(topics.deadLetters(topics.agentCommands()), 1),
                topic(topics.karmaCommands(), partitions), topic(topics.deadLetters(topics.karmaCommands()), 1),
                topic(topics.claimCommands(), partitions), topic(topics.deadLetters(topics.claimCommands()), 1),
                topic(topics.events(Topics.AGGREGATE_AGENT), partitions),
                topic(topics.events(Topics.AGGREGATE_KARMA), partitions),
                topic(topics.events(Claims.AGGREGATE), partitions));
    }

    private static NewTopic topic(String name, int partitions) {
        return TopicBuilder.name(name).partitions(partitions).build();
    }
}
