package org.agentplatform.schema.messaging;

/** The command topics; {@link Topics} gives their names under a deployment's prefix. */
public enum CommandTopic {
    KARMA, CLAIMS, JOBS
}
