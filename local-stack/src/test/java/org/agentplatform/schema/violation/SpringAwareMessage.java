package org.agentplatform.schema.violation;

import org.springframework.util.Assert;

/** A deliberate violation for ArchitectureTest: a message of the contract that needs Spring. */
public record SpringAwareMessage(String text) {

    public SpringAwareMessage {
        Assert.hasText(text, "text");
    }
}
