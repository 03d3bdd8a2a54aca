package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferStatus;
import org.junit.jupiter.api.Test;

class LedgerTest {

    private final UUID treasury = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();

    private Ledger ledger(long balanceA) {
        return new Ledger(List.of(new Account(treasury, true, 0, 0, false), new Account(a, false, balanceA, 0, false),
                new Account(b, false, 0, 0, false)));
    }

    @Test
    void postsATransferAndKeepsBalancesBeforeAndAfter() {
        Ledger ledger = ledger(100);
        Posting posting = ledger.post(UUID.randomUUID(), a, b, 30, TransferKind.TRANSFER);
        assertThat(posting).isInstanceOfSatisfying(Posting.Recorded.class, p -> {
            assertThat(p.debitBalanceBefore()).isEqualTo(100);
            assertThat(p.debitBalanceAfter()).isEqualTo(70);
            assertThat(p.creditBalanceBefore()).isZero();
            assertThat(p.creditBalanceAfter()).isEqualTo(30);
        });
        assertThat(ledger.changedExisting()).extracting(Account::id).containsExactlyInAnyOrder(a, b);
    }

    @Test
    void refusesAnOverdraftAndChangesNothing() {
        Ledger ledger = ledger(10);
        Posting posting = ledger.post(UUID.randomUUID(), a, b, 11, TransferKind.TRANSFER);
        assertThat(posting).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Ledger.INSUFFICIENT_FUNDS));
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(10);
        assertThat(ledger.changedExisting()).isEmpty();
    }

    @Test
    void letsOnlyFlaggedAccountsGoNegative() {
        Ledger ledger = ledger(0);
        assertThat(ledger.post(UUID.randomUUID(), treasury, a, 500, TransferKind.GRANT)).isInstanceOf(Posting.Recorded.class);
        assertThat(ledger.account(treasury).orElseThrow().balance()).isEqualTo(-500);
        assertThat(ledger.post(UUID.randomUUID(), b, a, 1, TransferKind.TRANSFER)).isInstanceOf(Refused.class);
    }

    @Test
    void refusesNonPositiveAmountsSameAccountAndUnknownAccounts() {
        Ledger ledger = ledger(100);
        assertThat(reason(ledger.post(UUID.randomUUID(), a, b, 0, TransferKind.TRANSFER))).isEqualTo(Ledger.AMOUNT_NOT_POSITIVE);
        assertThat(reason(ledger.post(UUID.randomUUID(), a, b, -5, TransferKind.TRANSFER))).isEqualTo(Ledger.AMOUNT_NOT_POSITIVE);
        assertThat(reason(ledger.post(UUID.randomUUID(), a, a, 5, TransferKind.TRANSFER))).isEqualTo(Ledger.SAME_ACCOUNT);
        assertThat(reason(ledger.post(UUID.randomUUID(), a, UUID.randomUUID(), 5, TransferKind.TRANSFER)))
                .isEqualTo(Ledger.UNKNOWN_ACCOUNT);
    }

    @Test
    void refusesABalanceOverflow() {
        Ledger ledger = new Ledger(List.of(new Account(treasury, true, 0, 0, false),
                new Account(a, false, Long.MAX_VALUE, 0, false)));
        assertThat(reason(ledger.post(UUID.randomUUID(), treasury, a, 1, TransferKind.GRANT)))
                .isEqualTo(Ledger.BALANCE_OVERFLOW);
    }

    @Test
    void opensAnAccountOnce() {
        Ledger ledger = ledger(0);
        UUID c = UUID.randomUUID();
        assertThat(ledger.open(c)).isEmpty();
        assertThat(ledger.open(c)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Ledger.ACCOUNT_EXISTS));
        assertThat(ledger.opened()).extracting(Account::id).containsExactly(c);
    }

    private final Instant now = Instant.parse("2026-01-01T00:00:00Z");
    /** The debited agent, issuing its own reservations. */
    private final Issuer self = Issuer.of(a.toString());

    @Test
    void aSuspendedAgentsAccountCannotBeDebitedButCanBeCredited() {
        Ledger ledger = ledger(100);
        assertThat(ledger.suspend(a)).isEmpty();
        assertThat(reason(ledger.post(UUID.randomUUID(), a, b, 1, TransferKind.TRANSFER))).isEqualTo(Ledger.AGENT_SUSPENDED);
        assertThat(reason(ledger.reserve(UUID.randomUUID(), a, b, 1, TransferKind.TRANSFER, now.plusSeconds(60),
                a.toString(), now)))
                .isEqualTo(Ledger.AGENT_SUSPENDED);
        assertThat(ledger.post(UUID.randomUUID(), treasury, a, 5, TransferKind.GRANT)).isInstanceOf(Posting.Recorded.class);
        assertThat(ledger.suspend(a)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Ledger.AGENT_SUSPENDED));
        assertThat(ledger.reactivate(a)).isEmpty();
        assertThat(ledger.reactivate(a)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Ledger.AGENT_NOT_SUSPENDED));
        assertThat(ledger.post(UUID.randomUUID(), a, b, 1, TransferKind.TRANSFER)).isInstanceOf(Posting.Recorded.class);
        assertThat(ledger.suspend(treasury)).hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(Ledger.UNKNOWN_AGENT));
        assertThat(ledger.statusChanged()).extracting(Account::id).containsExactly(a);
    }

    @Test
    void aReservationCountsAgainstAvailableFundsAndPostingMovesIt() {
        Ledger ledger = ledger(100);
        UUID pending = UUID.randomUUID();
        Posting reserved = ledger.reserve(pending, a, b, 60, TransferKind.TRANSFER, now.plusSeconds(60), a.toString(),
                now);
        assertThat(reserved).isInstanceOfSatisfying(Posting.Recorded.class, r -> {
            assertThat(r.status()).isEqualTo(TransferStatus.PENDING);
            assertThat(r.debitBalanceAfter()).isEqualTo(100);
        });
        Account account = ledger.account(a).orElseThrow();
        assertThat(account.pendingDebits()).isEqualTo(60);
        assertThat(ledger.account(b).orElseThrow().pendingCredits()).isEqualTo(60);
        assertThat(reason(ledger.post(UUID.randomUUID(), a, b, 41, TransferKind.TRANSFER))).isEqualTo(Ledger.INSUFFICIENT_FUNDS);

        Posting posted = ledger.postPending(UUID.randomUUID(), pending, self, now.plusSeconds(1));
        assertThat(posted).isInstanceOfSatisfying(Posting.Recorded.class, r -> {
            assertThat(r.status()).isEqualTo(TransferStatus.POSTED);
            assertThat(r.pendingId()).isEqualTo(pending);
            assertThat(r.debitBalanceBefore()).isEqualTo(100);
            assertThat(r.debitBalanceAfter()).isEqualTo(40);
            assertThat(r.creditBalanceAfter()).isEqualTo(60);
        });
        assertThat(account.pendingDebits()).isZero();
        assertThat(ledger.account(b).orElseThrow().pendingCredits()).isZero();
        assertThat(reason(ledger.postPending(UUID.randomUUID(), pending, self, now))).isEqualTo(Ledger.PENDING_ALREADY_POSTED);
        assertThat(reason(ledger.voidPending(UUID.randomUUID(), pending, self, now))).isEqualTo(Ledger.PENDING_ALREADY_POSTED);
    }

    @Test
    void anEscrowHoldNeverExpiresOnItsOwnEvenWithTheOldThirtyDayExpiry() {
        UUID escrow = JobEscrow.ACCOUNT;
        UUID hold = UUID.randomUUID();
        Ledger ledger = new Ledger(List.of(new Account(a, false, 100, 30, false), new Account(escrow, false, false, false, 0, 0, 30, false)),
                List.of(new PendingTransfer(hold, a, escrow, 30, TransferKind.TRANSFER,
                        now.plus(Duration.ofDays(30)), "job-worker", null)));
        Issuer saga = Issuer.of("job-worker");
        Instant muchLater = now.plus(Duration.ofDays(400));
        assertThat(reason(ledger.expire(hold, muchLater))).isEqualTo(Ledger.PENDING_NOT_EXPIRED);
        assertThat(ledger.postPending(UUID.randomUUID(), hold, saga, muchLater)).isInstanceOfSatisfying(Posting.Recorded.class,
                r -> assertThat(r.status()).isEqualTo(TransferStatus.POSTED));
    }

    @Test
    void voidingReleasesTheReservationAndExpiryWinsAfterTheTimeout() {
        Ledger ledger = ledger(100);
        UUID voided = UUID.randomUUID();
        UUID expiring = UUID.randomUUID();
        ledger.reserve(voided, a, b, 30, TransferKind.TRANSFER, now.plusSeconds(60), a.toString(), now);
        ledger.reserve(expiring, a, b, 30, TransferKind.TRANSFER, now.plusSeconds(10), a.toString(), now);
        assertThat(ledger.voidPending(UUID.randomUUID(), voided, self, now)).isInstanceOfSatisfying(Posting.Recorded.class,
                r -> assertThat(r.status()).isEqualTo(TransferStatus.VOIDED));
        assertThat(reason(ledger.voidPending(UUID.randomUUID(), voided, self, now))).isEqualTo(Ledger.PENDING_ALREADY_VOIDED);

        assertThat(reason(ledger.expire(expiring, now.plusSeconds(9)))).isEqualTo(Ledger.PENDING_NOT_EXPIRED);
        assertThat(reason(ledger.postPending(UUID.randomUUID(), expiring, self, now.plusSeconds(10)))).isEqualTo(Ledger.PENDING_EXPIRED);
        assertThat(ledger.expire(expiring, now.plusSeconds(10))).isInstanceOfSatisfying(Posting.Recorded.class, r -> {
            assertThat(r.status()).isEqualTo(TransferStatus.EXPIRED);
            assertThat(r.transferId()).isEqualTo(Ledger.expiryId(expiring));
        });
        assertThat(reason(ledger.voidPending(UUID.randomUUID(), expiring, self, now))).isEqualTo(Ledger.PENDING_EXPIRED);
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(100);
        assertThat(ledger.account(a).orElseThrow().pendingDebits()).isZero();
        assertThat(reason(ledger.postPending(UUID.randomUUID(), UUID.randomUUID(), self, now)))
                .isEqualTo(Ledger.PENDING_NOT_FOUND);
        assertThat(reason(ledger.reserve(UUID.randomUUID(), a, b, 1, TransferKind.TRANSFER, now, a.toString(), now)))
                .isEqualTo(Ledger.EXPIRY_NOT_IN_FUTURE);
    }

    @Test
    void onlyTheControllerResolvesAReservation() {
        Ledger ledger = ledger(100);
        UUID own = UUID.randomUUID();
        UUID escrow = UUID.randomUUID();
        ledger.reserve(own, a, b, 10, TransferKind.TRANSFER, now.plusSeconds(60), a.toString(), now);
        ledger.reserve(escrow, a, b, 20, TransferKind.TRANSFER, now.plusSeconds(60), "job-worker", now);
        Issuer other = Issuer.of(b.toString());
        assertThat(reason(ledger.postPending(UUID.randomUUID(), own, other, now))).isEqualTo(CommandPolicy.FORBIDDEN);
        assertThat(reason(ledger.voidPending(UUID.randomUUID(), own, Issuer.of("job-worker"), now)))
                .isEqualTo(CommandPolicy.FORBIDDEN);
        // the payer of a hold the system made cannot take it back or settle it
        assertThat(reason(ledger.voidPending(UUID.randomUUID(), escrow, self, now))).isEqualTo(CommandPolicy.FORBIDDEN);
        assertThat(reason(ledger.postPending(UUID.randomUUID(), escrow, self, now))).isEqualTo(CommandPolicy.FORBIDDEN);
        assertThat(ledger.account(a).orElseThrow().pendingDebits()).isEqualTo(30);
        assertThat(ledger.postPending(UUID.randomUUID(), own, self, now)).isInstanceOf(Posting.Recorded.class);
        assertThat(ledger.voidPending(UUID.randomUUID(), escrow, Issuer.of("job-worker"), now))
                .isInstanceOf(Posting.Recorded.class);
        assertThat(reason(ledger.postPending(UUID.randomUUID(), UUID.randomUUID(), self, now)))
                .isEqualTo(Ledger.PENDING_NOT_FOUND);
    }

    @Test
    void aStakeIsSettledByItsClaimOnlyWhateverTheIssuerCallsItself() {
        Ledger ledger = ledger(100);
        UUID stake = UUID.randomUUID();
        ledger.reserve(stake, a, treasury, 10, TransferKind.STAKE, now.plusSeconds(60), ClaimBook.STAKE_CONTROLLER, now);
        assertThat(reason(ledger.postPending(UUID.randomUUID(), stake, Issuer.of(ClaimBook.STAKE_CONTROLLER), now)))
                .isEqualTo(CommandPolicy.FORBIDDEN);
        assertThat(reason(ledger.voidPending(UUID.randomUUID(), stake, self, now))).isEqualTo(CommandPolicy.FORBIDDEN);
        assertThat(ledger.settleStake(UUID.randomUUID(), stake, now, false)).isInstanceOf(Posting.Recorded.class);
    }

    @Test
    void aHoldTheSystemControlsIsPostedFromASuspendedAgentButTheAgentsOwnIsNot() {
        Ledger ledger = ledger(100);
        UUID own = UUID.randomUUID();
        UUID escrow = UUID.randomUUID();
        ledger.reserve(own, a, b, 10, TransferKind.TRANSFER, now.plusSeconds(60), a.toString(), now);
        ledger.reserve(escrow, a, b, 20, TransferKind.TRANSFER, now.plusSeconds(60), "job-worker", now);
        assertThat(ledger.suspend(a)).isEmpty();
        assertThat(reason(ledger.postPending(UUID.randomUUID(), own, self, now))).isEqualTo(Ledger.AGENT_SUSPENDED);
        assertThat(ledger.postPending(UUID.randomUUID(), escrow, Issuer.of("job-worker"), now))
                .isInstanceOf(Posting.Recorded.class);
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(80);
        assertThat(ledger.account(b).orElseThrow().balance()).isEqualTo(20);
    }

    @Test
    void anInsufficientFundsRefusalDoesNotTellTheBalance() {
        Ledger ledger = ledger(37);
        Posting refused = ledger.post(UUID.randomUUID(), a, b, 50, TransferKind.TRANSFER);
        assertThat(refused).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(Ledger.INSUFFICIENT_FUNDS);
            assertThat(r.detail()).isEqualTo("account " + a + " has insufficient available funds for 50");
            // the random account id may itself contain "37": look for the balance only in the rest
            assertThat(r.detail().replace(a.toString(), "")).doesNotContain("37");
        });
    }

    @Test
    void linkedTransfersApplyAllOrNoneWithTheFirstFailingReason() {
        Ledger ledger = ledger(100);
        UUID c = UUID.randomUUID();
        List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        // a -> b 80, b -> a 10, a -> b 40: the third leg overdraws a (20 + 10 left) and undoes the first two.
        Posting refused = ledger.postLinked(ids, List.of(new Ledger.Leg(a, b, 80), new Ledger.Leg(b, a, 10),
                new Ledger.Leg(a, b, 40)), TransferKind.TRANSFER);
        assertThat(refused).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reason()).isEqualTo(Ledger.INSUFFICIENT_FUNDS);
            assertThat(r.detail()).startsWith("transfer 2:");
        });
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(100);
        assertThat(ledger.account(b).orElseThrow().balance()).isZero();
        assertThat(ledger.changedExisting()).isEmpty();
        assertThat(reason(ledger.postLinked(ids, List.of(new Ledger.Leg(a, b, 1), new Ledger.Leg(b, c, 1)),
                TransferKind.TRANSFER))).isEqualTo(Ledger.UNKNOWN_ACCOUNT);
        assertThat(reason(ledger.postLinked(List.of(), List.of(), TransferKind.TRANSFER))).isEqualTo(Ledger.BATCH_EMPTY);

        // b -> a needs the 80 that the first leg brings: legs see the effects of earlier legs.
        Posting linked = ledger.postLinked(ids, List.of(new Ledger.Leg(a, b, 80), new Ledger.Leg(b, a, 70),
                new Ledger.Leg(a, b, 40)), TransferKind.TRANSFER);
        assertThat(linked).isInstanceOfSatisfying(Posting.Linked.class, l -> assertThat(l.legs()).hasSize(3));
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(50);
        assertThat(ledger.account(b).orElseThrow().balance()).isEqualTo(50);
    }

    private static String reason(Posting posting) {
        return ((Refused) posting).reason();
    }
}
