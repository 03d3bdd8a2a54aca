package org.agentplatform.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;

/**
 * Decides commands recorded {@link Outcome.Deferred} from a worker's own transaction (a sweeper's), the way the
 * runtime records a command's outcome: the inbox row becomes APPLIED or REJECTED, exactly once, and the events
 * (the command's, or its {@code CommandRejected}) go to the outbox. Must run inside the transaction of the effect.
 */
public class DeferredOutcomes {

    private final Inbox inbox;
    private final Outbox outbox;

    DeferredOutcomes(Inbox inbox, Outbox outbox) {
        this.inbox = inbox;
        this.outbox = outbox;
    }

    public void finish(List<Outcome.Finished> finished, Instant at) {
        inbox.finish(finished, at);
        List<Envelope<? extends Event>> events = new ArrayList<>();
        finished.forEach(f -> events.addAll(events(f, at)));
        outbox.append(events, at);
    }

    /** Stable ids (a command is decided once), the rejection's the same as for a command rejected at once. */
    static List<Envelope<? extends Event>> events(Outcome.Finished finished, Instant at) {
        Envelope<?> command = finished.command();
        if (finished.outcome() instanceof Outcome.Rejected rejected) {
            return List.of(CommandBatchProcessor.rejection(finished.command(), CommandBatchProcessor.rejectionId(command.id()),
                    rejected, at));
        }
        List<Event> applied = ((Outcome.Applied) finished.outcome()).events();
        List<Envelope<? extends Event>> events = new ArrayList<>(applied.size());
        for (int i = 0; i < applied.size(); i++) {
            UUID id = DerivedIds.of("finished", command.id(), i);
            events.add(Envelope.causedBy(command, id, applied.get(i), command.actor(), at));
        }
        return events;
    }
}
