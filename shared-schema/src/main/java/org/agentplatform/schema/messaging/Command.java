package org.agentplatform.schema.messaging;

/** A request to change state. Its partition key decides which commands are applied in order. */
public interface Command extends Message {

    /** The Kafka record key: commands with the same key are applied in order. */
    String partitionKey();
}
