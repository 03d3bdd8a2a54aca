package org.agentplatform.schema.messaging;

/**
 * A request to change state. Its partition key decides which commands are applied in order. Its topic and the
 * aggregate its rejection names are declared by its family, so a new command cannot be routed by accident: it does
 * not compile until it says both.
 */
public interface Command extends Message {

    /** The Kafka record key: commands with the same key are applied in order. */
    String partitionKey();

    /** The one topic it is published to, and the only one a worker applies it from. */
    CommandTopic topic();

    /** The aggregate a rejection names when nothing more specific is known (its id is {@link #partitionKey()}). */
    String aggregateType();
}
