package org.agentplatform.runtime;

import java.util.List;
import java.util.Objects;

import org.agentplatform.schema.messaging.Event;

/** What became of one command. */
public sealed interface Outcome {

    static Outcome applied(Event... events) {
        return new Applied(List.of(events));
    }

    static Outcome applied(List<? extends Event> events) {
        return new Applied(List.copyOf(events));
    }

    static Outcome rejected(String reason, String detail, String aggregateType, String aggregateId) {
        return new Rejected(reason, detail, aggregateType, aggregateId);
    }

    /** The command took effect; its events go to the outbox. */
    record Applied(List<Event> events) implements Outcome {
    }

    /**
     * The command was understood and refused by a domain rule (insufficient funds, unknown account, ...):
     * recorded with its reason code and published as {@code CommandRejected} on the aggregate's topic.
     */
    record Rejected(String reason, String detail, String aggregateType, String aggregateId) implements Outcome {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(aggregateType, "aggregateType");
            Objects.requireNonNull(aggregateId, "aggregateId");
        }
    }
}
