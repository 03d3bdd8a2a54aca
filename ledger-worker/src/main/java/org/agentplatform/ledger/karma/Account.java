package org.agentplatform.ledger.karma;

import java.util.UUID;

/**
 * A karma account as locked for one batch. Holds the rules of a movement: only flagged accounts may go
 * negative, and pending reservations count against what is available.
 */
final class Account {

    private final UUID id;
    private final boolean mayGoNegative;
    private final boolean isNew;
    private long balance;
    private long pendingDebits;
    private boolean changed;

    Account(UUID id, boolean mayGoNegative, long balance, long pendingDebits, boolean isNew) {
        this.id = id;
        this.mayGoNegative = mayGoNegative;
        this.balance = balance;
        this.pendingDebits = pendingDebits;
        this.isNew = isNew;
    }

    static Account open(UUID id) {
        return new Account(id, false, 0, 0, true);
    }

    UUID id() {
        return id;
    }

    long balance() {
        return balance;
    }

    long pendingDebits() {
        return pendingDebits;
    }

    boolean isNew() {
        return isNew;
    }

    boolean changed() {
        return changed;
    }

    /** What can still be spent: the balance less reservations. */
    long available() {
        return balance - pendingDebits;
    }

    boolean canDebit(long amount) {
        return mayGoNegative || available() >= amount;
    }

    void debit(long amount) {
        balance = Math.subtractExact(balance, amount);
        changed = true;
    }

    void credit(long amount) {
        balance = Math.addExact(balance, amount);
        changed = true;
    }
}
