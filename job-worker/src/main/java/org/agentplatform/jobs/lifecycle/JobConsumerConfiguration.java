package org.agentplatform.jobs.lifecycle;

import java.util.List;

import org.agentplatform.runtime.CommandConsumers;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/** The job worker's command consumer and the topics it owns. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(JobsProperties.class)
class JobConsumerConfiguration {

    @Bean
    ConcurrentMessageListenerContainer<String, byte[]> jobCommandConsumer(CommandConsumers consumers, Topics topics,
                                                                          JobCommandHandler handler) {
        return consumers.container(List.of(topics.jobCommands()), handler);
    }

    @Bean
    KafkaAdmin.NewTopics jobTopics(Topics topics, @Value("${platform.topics.partitions:4}") int partitions) {
        return new KafkaAdmin.NewTopics(
                topic(topics.jobCommands(), partitions), topic(topics.deadLetters(topics.jobCommands()), 1),
                topic(topics.events(Topics.AGGREGATE_JOB), partitions));
    }

    private static NewTopic topic(String name, int partitions) {
        return TopicBuilder.name(name).partitions(partitions).build();
    }
}
