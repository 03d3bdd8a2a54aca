package org.agentplatform.ledger.karma;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.schema.ledger.TransferKind;

/**
 * The accounts one batch touches, locked for the batch's transaction, and the transfer rules over them.
 * Commands are applied to it one after the other, in order, so a batch behaves exactly like the same
 * commands applied one per transaction.
 */
final class Ledger {

    static final String AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE";
    static final String SAME_ACCOUNT = "SAME_ACCOUNT";
    static final String UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT";
    static final String INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS";
    static final String BALANCE_OVERFLOW = "BALANCE_OVERFLOW";
    static final String ACCOUNT_EXISTS = "ACCOUNT_EXISTS";

    private final Map<UUID, Account> accounts = new LinkedHashMap<>();

    Ledger(Collection<Account> locked) {
        locked.forEach(a -> accounts.put(a.id(), a));
    }

    Optional<Account> account(UUID id) {
        return Optional.ofNullable(accounts.get(id));
    }

    /** Opens an account; refused if one with that id exists. */
    Optional<Posting.Refused> open(UUID id) {
        if (accounts.containsKey(id)) {
            return Optional.of(new Posting.Refused(ACCOUNT_EXISTS, "account " + id + " already exists"));
        }
        accounts.put(id, Account.open(id));
        return Optional.empty();
    }

    Posting post(UUID transferId, UUID debitId, UUID creditId, long amount, TransferKind kind) {
        if (amount <= 0) {
            return new Posting.Refused(AMOUNT_NOT_POSITIVE, "amount must be positive, was " + amount);
        }
        if (debitId.equals(creditId)) {
            return new Posting.Refused(SAME_ACCOUNT, "debit and credit account are the same");
        }
        Account debit = accounts.get(debitId);
        if (debit == null) {
            return new Posting.Refused(UNKNOWN_ACCOUNT, "unknown debit account " + debitId);
        }
        Account credit = accounts.get(creditId);
        if (credit == null) {
            return new Posting.Refused(UNKNOWN_ACCOUNT, "unknown credit account " + creditId);
        }
        if (!debit.canDebit(amount)) {
            return new Posting.Refused(INSUFFICIENT_FUNDS,
                    "account " + debitId + " has " + debit.available() + " available, needs " + amount);
        }
        long debitBefore = debit.balance();
        long creditBefore = credit.balance();
        try {
            Math.addExact(creditBefore, amount);
            Math.subtractExact(debitBefore, amount);
        } catch (ArithmeticException e) {
            return new Posting.Refused(BALANCE_OVERFLOW, "the transfer would overflow a balance");
        }
        debit.debit(amount);
        credit.credit(amount);
        return new Posting.Posted(transferId, debitId, creditId, amount, kind,
                debitBefore, debit.balance(), creditBefore, credit.balance());
    }

    List<Account> opened() {
        return accounts.values().stream().filter(Account::isNew).toList();
    }

    List<Account> changedExisting() {
        return accounts.values().stream().filter(a -> !a.isNew() && a.changed()).toList();
    }
}
