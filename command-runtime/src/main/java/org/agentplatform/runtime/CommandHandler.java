package org.agentplatform.runtime;

import java.util.List;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;

/**
 * The one thing a worker writes: apply a batch of new (already deduplicated) commands inside the open
 * batch transaction and say what became of each. The runtime records the outcomes in the inbox, writes
 * the events to the outbox and stores the consumer position, all in that same transaction.
 *
 * <p>Commands arrive in partition order; applying them in list order keeps the per-key order.
 * A rejection is an {@link Outcome}, not an exception: throw only for failures that should undo the batch.
 * A command that waits for something still on its way is {@link Outcome.Deferred}; the handler then owes it
 * its final outcome, once and within a bound it documents.
 */
public interface CommandHandler<C extends Command> {

    /** The command family this handler reads; any other type on its topics is a dead letter. */
    Class<C> family();

    /** One outcome per command, in the same order. */
    List<Outcome> handle(List<Envelope<C>> commands);
}
