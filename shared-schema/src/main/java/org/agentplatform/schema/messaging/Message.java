package org.agentplatform.schema.messaging;

/**
 * Anything that travels in an {@link Envelope}. The vocabulary is the set of sealed families listed in
 * {@link MessageTypes} (Java only allows sealing across packages inside a named module).
 */
public interface Message {
}
