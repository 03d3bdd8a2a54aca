package org.agentplatform.architecture.violation;

import org.apache.kafka.clients.producer.ProducerRecord;

/** A deliberate violation for ArchitectureTest: an aggregate that builds Kafka records itself. */
public class KafkaAwareAggregate {

    ProducerRecord<String, String> changed(String id) {
        return new ProducerRecord<>("events", id, "changed");
    }
}
