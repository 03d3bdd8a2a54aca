package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.ledger.TransferKind;
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
        assertThat(posting).isInstanceOfSatisfying(Posting.Posted.class, p -> {
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
        assertThat(posting).isInstanceOfSatisfying(Posting.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Ledger.INSUFFICIENT_FUNDS));
        assertThat(ledger.account(a).orElseThrow().balance()).isEqualTo(10);
        assertThat(ledger.changedExisting()).isEmpty();
    }

    @Test
    void letsOnlyFlaggedAccountsGoNegative() {
        Ledger ledger = ledger(0);
        assertThat(ledger.post(UUID.randomUUID(), treasury, a, 500, TransferKind.GRANT)).isInstanceOf(Posting.Posted.class);
        assertThat(ledger.account(treasury).orElseThrow().balance()).isEqualTo(-500);
        assertThat(ledger.post(UUID.randomUUID(), b, a, 1, TransferKind.TRANSFER)).isInstanceOf(Posting.Refused.class);
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

    private static String reason(Posting posting) {
        return ((Posting.Refused) posting).reason();
    }
}
