package org.agentplatform.schema.messaging;

import java.util.function.UnaryOperator;

import tools.jackson.databind.node.ObjectNode;

/**
 * Rewrites the payload of a message of {@code type} from schema version {@code from} to {@code from + 1}, on the
 * JSON tree, before it is bound to the record. Each version step of each type has exactly one (checked when
 * {@link MessageVersions} loads), so a worker reads every version ever published of the commands it applies.
 */
public record Upcaster(String type, int from, UnaryOperator<ObjectNode> step) {

    public Upcaster {
        if (from < 1) {
            throw new IllegalArgumentException("an upcaster starts at version 1 or later");
        }
    }

    /**
     * A step that only adds optional components: a payload of version {@code from} is already a valid one of the
     * next version, without them. The step still exists so that adding a version is a visible decision.
     */
    public static Upcaster addingOptional(String type, int from) {
        return new Upcaster(type, from, UnaryOperator.identity());
    }
}
