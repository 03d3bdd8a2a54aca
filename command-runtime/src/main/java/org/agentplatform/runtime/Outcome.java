package org.agentplatform.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;
import org.jspecify.annotations.Nullable;

/** What became of one command. */
public sealed interface Outcome {

    static Outcome applied(Event... events) {
        return new Applied(List.of(events), List.of());
    }

    static Outcome applied(List<? extends Event> events) {
        return new Applied(List.copyOf(events), List.of());
    }

    static Outcome rejected(String reason, @Nullable String detail, String aggregateType, String aggregateId) {
        return new Rejected(reason, detail, aggregateType, aggregateId);
    }

    static Outcome deferred(String reason, String detail) {
        return new Deferred(reason, detail);
    }

    /**
     * The command took effect; its events go to the outbox. {@code finished}: commands recorded {@link Deferred}
     * that this one decided (a reservation deciding the posts that waited for it); their outcomes are recorded
     * and their events written right after this command's own, so per-key event order follows the effects.
     */
    record Applied(List<Event> events, List<Finished> finished) implements Outcome {
        public Applied {
            events = List.copyOf(events);
            finished = List.copyOf(finished);
        }

        public Applied finishing(List<Finished> more) {
            if (more.isEmpty()) {
                return this;
            }
            List<Finished> all = new ArrayList<>(finished);
            all.addAll(more);
            return new Applied(events, all);
        }
    }

    /**
     * The command was understood and refused by a domain rule (insufficient funds, unknown account, ...):
     * recorded with its reason code and published as {@code CommandRejected} on the aggregate's topic.
     */
    record Rejected(String reason, @Nullable String detail, String aggregateType, String aggregateId) implements Outcome {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(aggregateType, "aggregateType");
            Objects.requireNonNull(aggregateId, "aggregateId");
        }
    }

    /**
     * Not decided yet: the command waits for something that may still arrive. Recorded {@code DEFERRED} with this
     * reason and no event; the inbox row still makes a redelivery a duplicate. The worker must decide it later,
     * exactly once and within a bounded time, as a {@link Finished} of the command that decided it or through
     * {@link DeferredOutcomes}.
     */
    record Deferred(String reason, String detail) implements Outcome {
        public Deferred {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The runtime's, never a handler's: the command could not be applied (it failed alone, or could not be read
     * though its id could) and went to the dead-letter topic. Recorded {@code DEAD_LETTERED} with the reason and no
     * event. Not final: the next delivery of the command id (a replay once the cause is fixed) is handled as new.
     */
    record DeadLettered(String reason, String detail) implements Outcome {
        public DeadLettered {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The final outcome (applied or rejected) of a command recorded {@link Deferred} earlier. */
    record Finished(Envelope<? extends Command> command, Outcome outcome) {
        public Finished {
            Objects.requireNonNull(command, "command");
            if (outcome instanceof Deferred || outcome instanceof DeadLettered
                    || outcome instanceof Applied a && !a.finished().isEmpty()) {
                throw new IllegalArgumentException("a finished outcome is applied or rejected, and decides nothing else");
            }
            Objects.requireNonNull(outcome, "outcome");
        }
    }
}
