package org.agentplatform.ledger.karma;

import java.util.UUID;

/**
 * A karma account as locked for one batch, with its agent's status. Holds the rules of a movement: only
 * flagged accounts may go negative, pending reservations count against what is available, and the account
 * of a suspended agent cannot be debited.
 */
final class Account {

    private final UUID id;
    private final boolean mayGoNegative;
    private final boolean isAgent;
    private final boolean isNew;
    private long balance;
    private long pendingDebits;
    private long pendingCredits;
    private boolean suspended;
    private boolean changed;
    private boolean statusChanged;

    /** An active account; flagged ones are system accounts, the others belong to an agent. */
    Account(UUID id, boolean mayGoNegative, long balance, long pendingDebits, boolean isNew) {
        this(id, mayGoNegative, !mayGoNegative, false, balance, pendingDebits, 0, isNew);
    }

    Account(UUID id, boolean mayGoNegative, boolean isAgent, boolean suspended, long balance, long pendingDebits,
            long pendingCredits, boolean isNew) {
        this.id = id;
        this.mayGoNegative = mayGoNegative;
        this.isAgent = isAgent;
        this.suspended = suspended;
        this.balance = balance;
        this.pendingDebits = pendingDebits;
        this.pendingCredits = pendingCredits;
        this.isNew = isNew;
    }

    /** The account of a newly registered agent. */
    static Account open(UUID id) {
        return new Account(id, false, true, false, 0, 0, 0, true);
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

    long pendingCredits() {
        return pendingCredits;
    }

    boolean isAgent() {
        return isAgent;
    }

    boolean suspended() {
        return suspended;
    }

    boolean isNew() {
        return isNew;
    }

    boolean changed() {
        return changed;
    }

    boolean statusChanged() {
        return statusChanged;
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

    void reserveDebit(long amount) {
        pendingDebits = Math.addExact(pendingDebits, amount);
        changed = true;
    }

    void reserveCredit(long amount) {
        pendingCredits = Math.addExact(pendingCredits, amount);
        changed = true;
    }

    void releaseDebit(long amount) {
        pendingDebits -= amount;
        changed = true;
    }

    void releaseCredit(long amount) {
        pendingCredits -= amount;
        changed = true;
    }

    void suspend() {
        suspended = true;
        statusChanged = true;
    }

    void reactivate() {
        suspended = false;
        statusChanged = true;
    }

    /** For linked transfers: what to restore if a later leg fails. */
    Snapshot snapshot() {
        return new Snapshot(balance, pendingDebits, pendingCredits, changed);
    }

    void restore(Snapshot s) {
        balance = s.balance();
        pendingDebits = s.pendingDebits();
        pendingCredits = s.pendingCredits();
        changed = s.changed();
    }

    record Snapshot(long balance, long pendingDebits, long pendingCredits, boolean changed) {
    }
}
