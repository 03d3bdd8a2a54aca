package org.agentplatform.schema.messaging;

/** A record that cannot be read as a known message: it goes to the dead-letter topic with this reason. */
public class MalformedMessageException extends RuntimeException {

    public MalformedMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }

    public MalformedMessageException(String reason) {
        super(reason);
    }
}
