package org.agentplatform.ingest.commands;

/**
 * A response body with something that must not be stored (an API key shown once): the idempotency record
 * keeps {@link #forReplay()} instead, and a retry gets that.
 */
public interface Replayable {

    Object forReplay();
}
