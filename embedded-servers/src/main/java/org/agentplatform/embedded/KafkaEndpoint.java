package org.agentplatform.embedded;

/** What tests need of a Kafka broker, whoever runs it: the embedded broker or a container. */
public interface KafkaEndpoint {

    String bootstrapServers();

    /** Creates the topics that do not exist yet and waits until they take writes. */
    void createTopics(int partitions, String... topics);
}
