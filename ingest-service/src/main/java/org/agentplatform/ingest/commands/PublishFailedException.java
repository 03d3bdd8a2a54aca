package org.agentplatform.ingest.commands;

import java.util.UUID;

/**
 * The broker did not acknowledge a command in time. The command may still arrive later, which is why a
 * client retries with the same {@code Idempotency-Key}: the worker then applies it once.
 */
public class PublishFailedException extends RuntimeException {

    private final UUID commandId;

    PublishFailedException(UUID commandId, Throwable cause) {
        super("command " + commandId + " was not acknowledged by the broker", cause);
        this.commandId = commandId;
    }

    UUID commandId() {
        return commandId;
    }
}
