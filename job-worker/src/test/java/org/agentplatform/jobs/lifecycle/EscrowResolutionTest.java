package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.Escrow.Hold;
import org.agentplatform.jobs.lifecycle.Escrow.Known;
import org.agentplatform.jobs.lifecycle.Escrow.Ledger;
import org.agentplatform.jobs.lifecycle.Escrow.Location;
import org.agentplatform.jobs.lifecycle.Escrow.Recorded;
import org.agentplatform.jobs.lifecycle.Escrow.Resolution;
import org.agentplatform.jobs.lifecycle.EscrowStep.Kind;
import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.JobEscrowRejected;
import org.agentplatform.schema.jobs.JobEscrowSettled;
import org.agentplatform.schema.jobs.ResolveEscrow.Action;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.DerivedIds;
import org.junit.jupiter.api.Test;

/**
 * Where a STUCK escrow's price is, by the ledger's hold and its record of the job's saga commands, and what each
 * resolution does with it.
 */
class EscrowResolutionTest {

    final UUID job = UUID.randomUUID();
    final UUID submitter = UUID.randomUUID();
    final UUID executor = UUID.randomUUID();
    final UUID seed = UUID.randomUUID();

    @Test
    void theHoldDecidesUntilItIsPostedThenTheTransfersOutOfTheEscrowAccount() {
        assertThat(Escrow.locate(Hold.NONE, List.of(step(Kind.RESERVE, Known.REFUSED)))).contains(Location.NOT_TAKEN);
        // no hold and no refusal on record: the reservation may still be applied
        assertThat(Escrow.locate(Hold.NONE, List.of(step(Kind.RESERVE, Known.UNKNOWN)))).isEmpty();
        assertThat(Escrow.locate(Hold.NONE, List.of())).isEmpty();
        // a post or void still unknown cannot move a pending hold twice: the ledger resolves a hold once
        assertThat(Escrow.locate(Hold.PENDING, List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.UNKNOWN))))
                .contains(Location.HELD);
        assertThat(Escrow.locate(Hold.RELEASED, List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.REFUSED))))
                .contains(Location.REFUNDED); // voided, or expired (holds made before they were held for ever)
        assertThat(Escrow.locate(Hold.POSTED, posted(Known.REFUSED))).contains(Location.IN_ESCROW);
        assertThat(Escrow.locate(Hold.POSTED, posted(Known.APPLIED))).contains(Location.PAID);
        assertThat(Escrow.locate(Hold.POSTED, posted(Known.UNKNOWN))).isEmpty();
        assertThat(Escrow.locate(Hold.POSTED, List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.APPLIED),
                step(Kind.PAY, Known.REFUSED), step(Kind.RESOLVE_RETURN, Known.APPLIED)))).contains(Location.REFUNDED);
        assertThat(Escrow.locate(Hold.POSTED, List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.APPLIED),
                step(Kind.PAY, Known.REFUSED), step(Kind.RESOLVE_RETURN, Known.UNKNOWN)))).isEmpty();
    }

    @Test
    void aRefundVoidsAHoldReturnsFromTheEscrowAccountAndRecordsWhatTheLedgerDid() {
        Escrow held = stuck(executor);
        Resolution voiding = held.resolve(Action.REFUND, new Ledger(Hold.PENDING, List.of(step(Kind.RESERVE, Known.APPLIED),
                step(Kind.POST, Known.REFUSED))), seed);
        assertThat(voiding).isInstanceOfSatisfying(Resolution.Moving.class, m -> {
            assertThat(m.step().step()).isEqualTo(Kind.RESOLVE_VOID);
            assertThat(m.step().command()).isEqualTo(new VoidPending(held.pendingId()));
            // derived from the resolving command: its redelivery is the same ledger command
            assertThat(m.step().commandId()).isEqualTo(DerivedIds.of("job-escrow", "RESOLVE_VOID", job, seed));
        });
        assertThat(held.status()).isEqualTo(EscrowStatus.REFUNDING);

        Escrow inEscrow = stuck(executor);
        assertThat(inEscrow.resolve(Action.REFUND, new Ledger(Hold.POSTED, posted(Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Moving.class, m -> assertThat(m.step().command())
                        .isEqualTo(new TransferKarma(JobEscrow.ACCOUNT, submitter, 50L)));

        Escrow released = stuck(null);
        assertThat(released.resolve(Action.REFUND, new Ledger(Hold.RELEASED, List.of(step(Kind.RESERVE, Known.APPLIED),
                step(Kind.REFUND, Known.UNKNOWN))), seed)).isInstanceOfSatisfying(Resolution.Settled.class,
                s -> assertThat(s.event()).isEqualTo(new JobEscrowSettled(job, EscrowStatus.REFUNDED, submitter, 50L)));
        assertThat(released.status()).isEqualTo(EscrowStatus.REFUNDED);

        Escrow neverTaken = stuck(null);
        assertThat(neverTaken.resolve(Action.REFUND, new Ledger(Hold.NONE, List.of(step(Kind.RESERVE, Known.REFUSED))),
                seed)).isInstanceOfSatisfying(Resolution.Settled.class,
                        s -> assertThat(s.event()).isInstanceOf(JobEscrowRejected.class));
        assertThat(neverTaken.status()).isEqualTo(EscrowStatus.REJECTED);

        Escrow paid = stuck(executor);
        assertThat(paid.resolve(Action.REFUND, new Ledger(Hold.POSTED, posted(Known.APPLIED)), seed))
                .isEqualTo(new Resolution.Refused(Job.ESCROW_PAID, "the ledger paid the price to the executor: PAY records that"));
        assertThat(paid.status()).isEqualTo(EscrowStatus.STUCK);
    }

    @Test
    void aPaymentPostsAHoldOrPaysFromTheEscrowAccountAndNeedsAnExecutor() {
        Escrow held = stuck(executor);
        assertThat(held.resolve(Action.PAY, new Ledger(Hold.PENDING, List.of(step(Kind.RESERVE, Known.APPLIED),
                step(Kind.REFUND, Known.REFUSED))), seed)).isInstanceOfSatisfying(Resolution.Moving.class,
                        m -> assertThat(m.step().command()).isEqualTo(new PostPending(held.pendingId())));
        assertThat(held.status()).isEqualTo(EscrowStatus.PAYING);
        EscrowStep pay = held.resolutionPosted(seed);
        assertThat(pay.step()).isEqualTo(Kind.RESOLVE_PAY);
        assertThat(pay.command()).isEqualTo(new TransferKarma(JobEscrow.ACCOUNT, executor, 50L));

        assertThat(stuck(executor).resolve(Action.PAY, new Ledger(Hold.POSTED, posted(Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Moving.class, m -> assertThat(m.step().step()).isEqualTo(Kind.RESOLVE_PAY));
        assertThat(stuck(null).resolve(Action.PAY, new Ledger(Hold.POSTED, posted(Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.NO_PAYEE));
        assertThat(stuck(executor).resolve(Action.PAY, new Ledger(Hold.NONE, List.of(step(Kind.RESERVE, Known.REFUSED))),
                seed)).isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.NOTHING_HELD));
        assertThat(stuck(executor).resolve(Action.PAY, new Ledger(Hold.RELEASED, posted(Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.ESCROW_REFUNDED));
    }

    @Test
    void whileTheLedgerCannotSayWhereThePriceIsOnlyRetryIsAllowedAndItResendsThatStep() {
        Ledger unknownPay = new Ledger(Hold.POSTED, posted(Known.UNKNOWN));
        Escrow escrow = stuck(executor);
        assertThat(escrow.resolve(Action.REFUND, unknownPay, seed)).isInstanceOfSatisfying(Resolution.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Job.OUTCOME_UNKNOWN));
        assertThat(escrow.resolve(Action.PAY, unknownPay, seed)).isInstanceOfSatisfying(Resolution.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Job.OUTCOME_UNKNOWN));
        assertThat(escrow.status()).isEqualTo(EscrowStatus.STUCK);

        assertThat(escrow.resolve(Action.RETRY, unknownPay, seed)).isInstanceOfSatisfying(Resolution.Resending.class,
                r -> assertThat(r.command()).isEqualTo(unknownPay.commands().get(2)));
        assertThat(escrow.status()).isEqualTo(EscrowStatus.PAYING);

        Escrow lostReservation = stuck(null);
        assertThat(lostReservation.resolve(Action.RETRY, new Ledger(Hold.NONE, List.of(step(Kind.RESERVE, Known.UNKNOWN))),
                seed)).isInstanceOf(Resolution.Resending.class);
        assertThat(lostReservation.status()).isEqualTo(EscrowStatus.RESERVING);

        assertThat(stuck(executor).resolve(Action.RETRY, new Ledger(Hold.POSTED, posted(Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.NOTHING_TO_RETRY));
        assertThat(new Escrow(job, submitter, 50L, EscrowStatus.HELD, null).resolve(Action.REFUND,
                new Ledger(Hold.PENDING, List.of()), seed)).isEqualTo(new Resolution.Refused(Job.ESCROW_NOT_STUCK, "escrow is HELD"));
    }

    private Escrow stuck(UUID payee) {
        return new Escrow(job, submitter, 50L, EscrowStatus.STUCK, payee);
    }

    private List<Recorded> posted(Known pay) {
        return List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.APPLIED), step(Kind.PAY, pay));
    }

    private Recorded step(Kind kind, Known known) {
        return new Recorded(UUID.randomUUID(), kind, known);
    }
}
