package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.Escrow.Known;
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
import org.junit.jupiter.api.Test;

/** Where a STUCK escrow's price is, by the ledger's record of its saga commands, and what each resolution does. */
class EscrowResolutionTest {

    final UUID job = UUID.randomUUID();
    final UUID submitter = UUID.randomUUID();
    final UUID executor = UUID.randomUUID();
    final UUID seed = UUID.randomUUID();

    @Test
    void theLocationFollowsWhatTheLedgerApplied() {
        assertThat(Escrow.locate(List.of(step(Kind.RESERVE, Known.REFUSED)))).isEqualTo(Location.NOT_TAKEN);
        assertThat(Escrow.locate(List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.REFUSED))))
                .isEqualTo(Location.HELD);
        assertThat(Escrow.locate(List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.REFUND, Known.APPLIED))))
                .isEqualTo(Location.REFUNDED);
        assertThat(Escrow.locate(List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.APPLIED),
                step(Kind.PAY, Known.REFUSED)))).isEqualTo(Location.IN_ESCROW);
        assertThat(Escrow.locate(List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.POST, Known.APPLIED),
                step(Kind.PAY, Known.REFUSED), step(Kind.RESOLVE_RETURN, Known.APPLIED)))).isEqualTo(Location.REFUNDED);
        assertThat(Escrow.locate(List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.RESOLVE_POST, Known.APPLIED),
                step(Kind.RESOLVE_PAY, Known.APPLIED)))).isEqualTo(Location.PAID);
    }

    @Test
    void aRefundVoidsAHoldReturnsFromTheEscrowAccountAndRecordsWhatTheLedgerDid() {
        Escrow held = stuck(executor);
        Resolution voiding = held.resolve(Action.REFUND, List.of(step(Kind.RESERVE, Known.APPLIED),
                step(Kind.POST, Known.REFUSED)), seed);
        assertThat(voiding).isInstanceOfSatisfying(Resolution.Moving.class, m -> {
            assertThat(m.step().step()).isEqualTo(Kind.RESOLVE_VOID);
            assertThat(m.step().command()).isEqualTo(new VoidPending(held.pendingId()));
            assertThat(m.step().commandId()).isNotEqualTo(EscrowStep.commandId(job, Kind.RESOLVE_VOID));
        });
        assertThat(held.status()).isEqualTo(EscrowStatus.REFUNDING);

        Escrow inEscrow = stuck(executor);
        assertThat(inEscrow.resolve(Action.REFUND, posted(Known.REFUSED), seed)).isInstanceOfSatisfying(
                Resolution.Moving.class, m -> assertThat(m.step().command())
                        .isEqualTo(new TransferKarma(JobEscrow.ACCOUNT, submitter, 50L)));

        Escrow refunded = stuck(null);
        assertThat(refunded.resolve(Action.REFUND, List.of(step(Kind.RESERVE, Known.APPLIED),
                step(Kind.REFUND, Known.APPLIED)), seed)).isInstanceOfSatisfying(Resolution.Settled.class,
                s -> assertThat(s.event()).isEqualTo(new JobEscrowSettled(job, EscrowStatus.REFUNDED, submitter, 50L)));
        assertThat(refunded.status()).isEqualTo(EscrowStatus.REFUNDED);

        Escrow neverTaken = stuck(null);
        assertThat(neverTaken.resolve(Action.REFUND, List.of(step(Kind.RESERVE, Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Settled.class,
                        s -> assertThat(s.event()).isInstanceOf(JobEscrowRejected.class));
        assertThat(neverTaken.status()).isEqualTo(EscrowStatus.REJECTED);

        Escrow paid = stuck(executor);
        assertThat(paid.resolve(Action.REFUND, posted(Known.APPLIED), seed))
                .isEqualTo(new Resolution.Refused(Job.ESCROW_PAID, "the ledger paid the price to the executor: PAY records that"));
        assertThat(paid.status()).isEqualTo(EscrowStatus.STUCK);
    }

    @Test
    void aPaymentPostsAHoldOrPaysFromTheEscrowAccountAndNeedsAnExecutor() {
        Escrow held = stuck(executor);
        assertThat(held.resolve(Action.PAY, List.of(step(Kind.RESERVE, Known.APPLIED), step(Kind.REFUND, Known.REFUSED)),
                seed)).isInstanceOfSatisfying(Resolution.Moving.class,
                        m -> assertThat(m.step().command()).isEqualTo(new PostPending(held.pendingId())));
        assertThat(held.status()).isEqualTo(EscrowStatus.PAYING);
        EscrowStep pay = held.resolutionPosted(seed);
        assertThat(pay.step()).isEqualTo(Kind.RESOLVE_PAY);
        assertThat(pay.command()).isEqualTo(new TransferKarma(JobEscrow.ACCOUNT, executor, 50L));

        assertThat(stuck(executor).resolve(Action.PAY, posted(Known.REFUSED), seed)).isInstanceOfSatisfying(
                Resolution.Moving.class, m -> assertThat(m.step().step()).isEqualTo(Kind.RESOLVE_PAY));
        assertThat(stuck(null).resolve(Action.PAY, posted(Known.REFUSED), seed))
                .isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.NO_PAYEE));
        assertThat(stuck(executor).resolve(Action.PAY, List.of(step(Kind.RESERVE, Known.REFUSED)), seed))
                .isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.NOTHING_HELD));
    }

    @Test
    void whileAStepHasNoFinalOutcomeOnlyRetryIsAllowedAndItResendsThatStep() {
        List<Recorded> unknownPay = posted(Known.UNKNOWN);
        Escrow escrow = stuck(executor);
        assertThat(escrow.resolve(Action.REFUND, unknownPay, seed)).isInstanceOfSatisfying(Resolution.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Job.OUTCOME_UNKNOWN));
        assertThat(escrow.resolve(Action.PAY, unknownPay, seed)).isInstanceOfSatisfying(Resolution.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Job.OUTCOME_UNKNOWN));
        assertThat(escrow.status()).isEqualTo(EscrowStatus.STUCK);

        assertThat(escrow.resolve(Action.RETRY, unknownPay, seed)).isInstanceOfSatisfying(Resolution.Resending.class,
                r -> assertThat(r.command()).isEqualTo(unknownPay.get(2)));
        assertThat(escrow.status()).isEqualTo(EscrowStatus.PAYING);

        assertThat(stuck(executor).resolve(Action.RETRY, posted(Known.REFUSED), seed))
                .isInstanceOfSatisfying(Resolution.Refused.class, r -> assertThat(r.reason()).isEqualTo(Job.NOTHING_TO_RETRY));
        assertThat(new Escrow(job, submitter, 50L, EscrowStatus.HELD, null).resolve(Action.REFUND, List.of(), seed))
                .isEqualTo(new Resolution.Refused(Job.ESCROW_NOT_STUCK, "escrow is HELD"));
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
