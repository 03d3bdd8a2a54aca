package org.agentplatform.ledger.karma;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageTypes;
import org.jspecify.annotations.Nullable;

/**
 * A post or void whose pending transfer did not exist yet when it arrived: it waits (a row of
 * {@code parked_resolutions}) until the reservation is applied or {@code deadline} passes. It keeps what applying
 * it later needs: the issuer, checked against the reservation's controller then, and the envelope its events are
 * caused by.
 */
record ParkedResolution(UUID commandId, UUID pendingId, Kind kind, String actor, int schemaVersion, Instant occurredAt,
                        UUID correlationId, @Nullable UUID causationId, Instant deadline, Instant createdAt) {

    /** The DEFERRED outcome's reason: readable at {@code GET /commands/{id}} while it waits. */
    static final String AWAITING_RESERVATION = "AWAITING_RESERVATION";

    enum Kind {
        POST, VOID
    }

    static ParkedResolution of(Envelope<LedgerCommand> envelope, UUID pendingId, Kind kind, Instant now, Duration wait) {
        return new ParkedResolution(envelope.id(), pendingId, kind, envelope.actor(), envelope.schemaVersion(),
                envelope.occurredAt(), envelope.correlationId(), envelope.causationId(), now.plus(wait), now);
    }

    Outcome deferred() {
        return Outcome.deferred(AWAITING_RESERVATION, "waits until " + deadline + " for pending transfer " + pendingId
                + " to be reserved");
    }

    /** The command as it arrived: its final outcome and events are recorded for it. */
    Envelope<LedgerCommand> envelope() {
        LedgerCommand command = kind == Kind.POST ? new PostPending(pendingId) : new VoidPending(pendingId);
        return new Envelope<>(commandId, MessageTypes.nameOf(command), schemaVersion, occurredAt, actor, correlationId,
                causationId, command);
    }

    /** As a direct post or void would be: the same controller check and the same refusals. */
    Posting applyTo(Ledger ledger, Instant now) {
        return kind == Kind.POST ? ledger.postPending(commandId, pendingId, Issuer.of(actor), now)
                : ledger.voidPending(commandId, pendingId, Issuer.of(actor), now);
    }
}
