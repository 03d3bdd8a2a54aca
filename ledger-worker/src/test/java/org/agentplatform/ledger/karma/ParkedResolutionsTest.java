package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferStatus;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Envelope;
import org.junit.jupiter.api.Test;

/** The parking decisions of one batch, without a database. */
class ParkedResolutionsTest {

    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();
    private final Ledger ledger = new Ledger(List.of(new Account(a, false, 100, 0, false), new Account(b, false, 0, 0, false)));

    @Test
    void waitsOnlyForAnIdThatMayStillBecomeAReservation() {
        UUID existing = UUID.randomUUID();
        ledger.reserve(existing, a, b, 10, TransferKind.TRANSFER, now.plusSeconds(60), a.toString(), now);
        UUID plainTransfer = UUID.randomUUID();
        UUID refusedInThisBatch = UUID.randomUUID();
        ParkedResolutions parked = new ParkedResolutions(List.of(), Set.of(plainTransfer));
        parked.handled(refusedInThisBatch);

        assertThat(parked.mayWait(UUID.randomUUID(), ledger)).isTrue();
        assertThat(parked.mayWait(existing, ledger)).as("an open reservation is resolved at once").isFalse();
        assertThat(parked.mayWait(plainTransfer, ledger)).as("a transfer that is no reservation").isFalse();
        assertThat(parked.mayWait(refusedInThisBatch, ledger)).as("its reservation was refused earlier in the batch").isFalse();
    }

    @Test
    void storedResolutionsComeFirstThenThoseOfTheBatchInArrivalOrder() {
        UUID pending = UUID.randomUUID();
        ParkedResolution stored = parked(pending, ParkedResolution.Kind.VOID, a.toString());
        ParkedResolution other = parked(UUID.randomUUID(), ParkedResolution.Kind.POST, a.toString());
        ParkedResolutions parked = new ParkedResolutions(List.of(stored, other), Set.of());
        ParkedResolution fresh = parked(pending, ParkedResolution.Kind.POST, a.toString());
        ParkedResolution waitsOn = parked(UUID.randomUUID(), ParkedResolution.Kind.POST, a.toString());

        assertThat(parked.park(fresh)).isInstanceOfSatisfying(Outcome.Deferred.class,
                d -> assertThat(d.reason()).isEqualTo(ParkedResolution.AWAITING_RESERVATION));
        parked.park(waitsOn);

        assertThat(parked.take(pending)).containsExactly(stored, fresh);
        assertThat(parked.take(pending)).isEmpty();
        assertThat(parked.decidedStored()).containsExactly(stored.commandId());
        // a stored row not decided stays stored; a new one not decided is stored now
        assertThat(parked.stillWaiting()).containsExactly(waitsOn);
    }

    @Test
    void appliedLaterLikeADirectPostOrVoidWithTheSameControllerCheck() {
        UUID pending = UUID.randomUUID();
        ParkedResolution stranger = parked(pending, ParkedResolution.Kind.POST, b.toString());
        ParkedResolution voiding = parked(pending, ParkedResolution.Kind.VOID, a.toString());
        ParkedResolution posting = parked(pending, ParkedResolution.Kind.POST, a.toString());
        ledger.reserve(pending, a, b, 40, TransferKind.TRANSFER, now.plusSeconds(60), a.toString(), now);

        Posting refused = stranger.applyTo(ledger, now);
        assertThat(refused).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(CommandPolicy.FORBIDDEN);
            assertThat(r).isEqualTo(ledger.postPending(UUID.randomUUID(), pending, Issuer.of(b.toString()), now));
        });
        assertThat(voiding.applyTo(ledger, now)).isInstanceOfSatisfying(Posting.Recorded.class, r -> {
            assertThat(r.transferId()).isEqualTo(voiding.commandId());
            assertThat(r.status()).isEqualTo(TransferStatus.VOIDED);
        });
        assertThat(posting.applyTo(ledger, now)).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Ledger.PENDING_ALREADY_VOIDED));
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(100);
        assertThat(ledger.account(a).orElseThrow().pendingDebits()).isZero();
    }

    @Test
    void rebuildsTheEnvelopeItArrivedIn() {
        UUID pending = UUID.randomUUID();
        Envelope<LedgerCommand> original = new Envelope<>(UUID.randomUUID(), "VoidPending", 1, now.minusSeconds(5),
                "job-worker", UUID.randomUUID(), UUID.randomUUID(), new VoidPending(pending));
        ParkedResolution parked = ParkedResolution.of(original, pending, ParkedResolution.Kind.VOID, now,
                Duration.ofSeconds(60));
        assertThat(parked.envelope()).isEqualTo(original);
        assertThat(parked.deadline()).isEqualTo(now.plusSeconds(60));
    }

    @Test
    void aFinishedOutcomeIsFinal() {
        Envelope<LedgerCommand> post = Envelope.of(UUID.randomUUID(), new PostPending(UUID.randomUUID()), "test", now);
        assertThatThrownBy(() -> new Outcome.Finished(post, Outcome.deferred("WAITING", null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new Outcome.Finished(post, Outcome.rejected("R", null, "karma", "x")).outcome())
                .isInstanceOf(Outcome.Rejected.class);
    }

    private ParkedResolution parked(UUID pending, ParkedResolution.Kind kind, String actor) {
        LedgerCommand command = kind == ParkedResolution.Kind.POST ? new PostPending(pending) : new VoidPending(pending);
        return ParkedResolution.of(Envelope.of(UUID.randomUUID(), command, actor, now), pending, kind, now,
                Duration.ofSeconds(60));
    }
}
