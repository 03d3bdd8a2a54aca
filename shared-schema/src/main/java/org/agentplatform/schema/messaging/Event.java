package org.agentplatform.schema.messaging;

/** A fact that happened, published through the outbox to {@code events.<aggregateType>}. */
public interface Event extends Message {

    String aggregateType();

    String aggregateId();
}
