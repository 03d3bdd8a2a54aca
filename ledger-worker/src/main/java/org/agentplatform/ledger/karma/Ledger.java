package org.agentplatform.ledger.karma;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferStatus;
import org.agentplatform.schema.messaging.DerivedIds;
import org.jspecify.annotations.Nullable;

/**
 * The accounts (and pending transfers) one batch touches, locked for the batch's transaction, and the
 * transfer rules over them. Commands are applied to it one after the other, in order, so a batch behaves
 * exactly like the same commands applied one per transaction.
 */
final class Ledger {

    static final String AMOUNT_NOT_POSITIVE = "AMOUNT_NOT_POSITIVE";
    static final String SAME_ACCOUNT = "SAME_ACCOUNT";
    static final String UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT";
    static final String UNKNOWN_AGENT = "UNKNOWN_AGENT";
    static final String INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS";
    static final String BALANCE_OVERFLOW = "BALANCE_OVERFLOW";
    static final String ACCOUNT_EXISTS = "ACCOUNT_EXISTS";
    static final String AGENT_SUSPENDED = "AGENT_SUSPENDED";
    static final String AGENT_NOT_SUSPENDED = "AGENT_NOT_SUSPENDED";
    static final String EXPIRY_NOT_IN_FUTURE = "EXPIRY_NOT_IN_FUTURE";
    static final String PENDING_NOT_FOUND = "PENDING_NOT_FOUND";
    static final String PENDING_EXPIRED = "PENDING_EXPIRED";
    static final String PENDING_ALREADY_POSTED = "PENDING_ALREADY_POSTED";
    static final String PENDING_ALREADY_VOIDED = "PENDING_ALREADY_VOIDED";
    /** Only the sweeper sees it: a reservation it picked was not expired by this ledger's clock. */
    static final String PENDING_NOT_EXPIRED = "PENDING_NOT_EXPIRED";
    static final String BATCH_EMPTY = "BATCH_EMPTY";
    static final String BATCH_TOO_LARGE = "BATCH_TOO_LARGE";

    /** Linked transfers per command: bounds the work (and lock set) one command can bring into a batch. */
    static final int MAX_LINKED = 100;

    private final Map<UUID, Account> accounts = new LinkedHashMap<>();
    private final Map<UUID, PendingTransfer> pendings = new HashMap<>();

    Ledger(Collection<Account> locked) {
        this(locked, List.of());
    }

    Ledger(Collection<Account> locked, Collection<PendingTransfer> lockedPendings) {
        locked.forEach(a -> accounts.put(a.id(), a));
        lockedPendings.forEach(p -> pendings.put(p.id(), p));
    }

    Optional<Account> account(UUID id) {
        return Optional.ofNullable(accounts.get(id));
    }

    /** Whether a reservation with this id is known to this batch (locked, or made by an earlier command). */
    boolean hasPending(UUID id) {
        return pendings.containsKey(id);
    }

    /** Opens an account; refused if one with that id exists. */
    Optional<Refused> open(UUID id) {
        if (accounts.containsKey(id)) {
            return Optional.of(new Refused(ACCOUNT_EXISTS, "account " + id + " already exists"));
        }
        accounts.put(id, Account.open(id));
        return Optional.empty();
    }

    /** Suspends ({@code true}) or reactivates an agent; refused if it is already in that state. */
    /** Suspends an agent: it may no longer move karma of its own, vote, claim or take work. */
    Optional<Refused> suspend(UUID agentId) {
        Account account = agent(agentId);
        if (account == null) {
            return unknownAgent(agentId);
        }
        if (account.suspended()) {
            return Optional.of(new Refused(AGENT_SUSPENDED, "agent " + agentId + " is already suspended"));
        }
        account.suspend();
        return Optional.empty();
    }

    /** Lifts a suspension. */
    Optional<Refused> reactivate(UUID agentId) {
        Account account = agent(agentId);
        if (account == null) {
            return unknownAgent(agentId);
        }
        if (!account.suspended()) {
            return Optional.of(new Refused(AGENT_NOT_SUSPENDED, "agent " + agentId + " is not suspended"));
        }
        account.reactivate();
        return Optional.empty();
    }

    /** Refused unless {@code agentId} is a registered agent that is not suspended: what acting requires. */
    Optional<Refused> activeAgent(UUID agentId) {
        Account account = agent(agentId);
        if (account == null) {
            return unknownAgent(agentId);
        }
        return account.suspended()
                ? Optional.of(new Refused(AGENT_SUSPENDED, "agent " + agentId + " is suspended"))
                : Optional.empty();
    }

    /** The account of the registered agent {@code agentId}; null if there is none. */
    private @Nullable Account agent(UUID agentId) {
        Account account = accounts.get(agentId);
        return account == null || !account.isAgent() ? null : account;
    }

    private static Optional<Refused> unknownAgent(UUID agentId) {
        return Optional.of(new Refused(UNKNOWN_AGENT, "unknown agent " + agentId));
    }

    Posting post(UUID transferId, UUID debitId, UUID creditId, long amount, TransferKind kind) {
        return post(transferId, debitId, creditId, amount, kind, null);
    }

    /** A posting with the payer's {@code memo} (or null). */
    Posting post(UUID transferId, UUID debitId, UUID creditId, long amount, TransferKind kind, @Nullable String memo) {
        Refused refused = checkMovement(debitId, creditId, amount);
        if (refused != null) {
            return refused;
        }
        Account debit = held(debitId);
        Account credit = held(creditId);
        long debitBefore = debit.balance();
        long creditBefore = credit.balance();
        if (overflows(creditBefore, amount) || underflows(debitBefore, amount)) {
            return new Refused(BALANCE_OVERFLOW, "the transfer would overflow a balance");
        }
        debit.debit(amount);
        credit.credit(amount);
        return new Posting.Recorded(transferId, debitId, creditId, amount, kind, TransferStatus.POSTED, null, null, null,
                debitBefore, debit.balance(), creditBefore, credit.balance(), debit.pendingDebits(), memo);
    }

    /**
     * Linked transfers: posts every leg in order, or, at the first refusal, undoes the legs already posted and
     * returns that refusal (its detail names the leg).
     */
    Posting postLinked(List<UUID> transferIds, List<Leg> legs, TransferKind kind) {
        if (legs.isEmpty()) {
            return new Refused(BATCH_EMPTY, "a transfer batch needs at least one transfer");
        }
        if (legs.size() > MAX_LINKED) {
            return new Refused(BATCH_TOO_LARGE, "at most " + MAX_LINKED + " linked transfers, got " + legs.size());
        }
        Map<UUID, Account.Snapshot> before = new HashMap<>();
        for (Leg leg : legs) {
            for (UUID id : List.of(leg.debitId(), leg.creditId())) {
                Account a = accounts.get(id);
                if (a != null) {
                    before.putIfAbsent(id, a.snapshot());
                }
            }
        }
        List<Posting.Recorded> posted = new ArrayList<>(legs.size());
        for (int i = 0; i < legs.size(); i++) {
            Leg leg = legs.get(i);
            Posting p = post(transferIds.get(i), leg.debitId(), leg.creditId(), leg.amount(), kind);
            if (p instanceof Refused r) {
                before.forEach((id, snapshot) -> held(id).restore(snapshot));
                return new Refused(r.reason(), "transfer " + i + ": " + r.detail());
            }
            posted.add((Posting.Recorded) p);
        }
        return new Posting.Linked(posted);
    }

    /**
     * Phase one: reserves the amount on both accounts until {@code expiresAt}. {@code controller} (the issuer
     * that made it) is the only one who may post or void it.
     */
    Posting reserve(UUID transferId, UUID debitId, UUID creditId, long amount, TransferKind kind, Instant expiresAt,
                    String controller, Instant now) {
        Refused refused = checkMovement(debitId, creditId, amount);
        if (refused != null) {
            return refused;
        }
        if (!expiresAt.isAfter(now)) {
            return new Refused(EXPIRY_NOT_IN_FUTURE, "expiresAt " + expiresAt + " is not after " + now);
        }
        Account debit = held(debitId);
        Account credit = held(creditId);
        if (overflows(debit.pendingDebits(), amount) || overflows(credit.pendingCredits(), amount)
                || overflows(credit.balance(), credit.pendingCredits() + amount)) {
            return new Refused(BALANCE_OVERFLOW, "the reservation would overflow a balance");
        }
        debit.reserveDebit(amount);
        credit.reserveCredit(amount);
        PendingTransfer pending = new PendingTransfer(transferId, debitId, creditId, amount, kind, expiresAt,
                controller, null);
        pendings.put(transferId, pending);
        return row(transferId, pending, TransferStatus.PENDING, debit, debit.balance(), credit, credit.balance());
    }

    /**
     * Phase two: moves the reserved amount, if {@code issuer} controls the reservation. A reservation the
     * system controls (an escrow hold) is posted even from a suspended agent: suspension stops the agent's own
     * spending, not the payment for work it already had done.
     */
    Posting postPending(UUID transferId, UUID pendingId, Issuer issuer, Instant now) {
        Refused forbidden = forbidden(pendingId, issuer);
        if (forbidden != null) {
            return forbidden;
        }
        PendingTransfer pending = Objects.requireNonNull(pendings.get(pendingId), "forbidden() found it");
        return postReserved(transferId, pendingId, now, null, pending.systemControlled());
    }

    /** Phase two, cancelled: releases the reservation, if {@code issuer} controls it. */
    Posting voidPending(UUID transferId, UUID pendingId, Issuer issuer, Instant now) {
        Refused forbidden = forbidden(pendingId, issuer);
        return forbidden != null ? forbidden : release(transferId, pendingId, now, TransferStatus.VOIDED);
    }

    /**
     * Settles a claim's stake: slashed (posted to the treasury as SLASH, even from a suspended agent: the
     * penalty is not the agent's own spending) or returned (voided).
     */
    Posting settleStake(UUID transferId, UUID pendingId, Instant now, boolean slash) {
        return slash ? postReserved(transferId, pendingId, now, TransferKind.SLASH, true)
                : release(transferId, pendingId, now, TransferStatus.VOIDED);
    }

    /**
     * Refused unless {@code issuer} is the reservation's controller (checked before its state, which is then
     * none of the issuer's business). A claim's stake is settled by its claim only, even for a producer that
     * names itself as the stakes' controller.
     */
    private @Nullable Refused forbidden(UUID pendingId, Issuer issuer) {
        PendingTransfer pending = pendings.get(pendingId);
        if (pending == null) {
            return pendingNotFound(pendingId);
        }
        if (pending.kind() == TransferKind.STAKE) {
            return new Refused(CommandPolicy.FORBIDDEN, "pending transfer " + pendingId
                    + " is a claim's stake, settled by the claim only");
        }
        return CommandPolicy.mayResolve(issuer, pending.controller())
                .map(r -> new Refused(r.reason(), "pending transfer " + pendingId + ": " + r.detail()))
                .orElse(null);
    }

    private Posting postReserved(UUID transferId, UUID pendingId, Instant now, @Nullable TransferKind kind,
                                 boolean evenIfSuspended) {
        PendingTransfer pending = pendings.get(pendingId);
        if (pending == null) {
            return pendingNotFound(pendingId);
        }
        Refused refused = checkResolvable(pendingId, pending, now);
        if (refused != null) {
            return refused;
        }
        Account debit = held(pending.debitAccountId());
        Account credit = held(pending.creditAccountId());
        if (debit.suspended() && !evenIfSuspended) {
            return new Refused(AGENT_SUSPENDED, "account " + debit.id() + " belongs to a suspended agent");
        }
        long debitBefore = debit.balance();
        long creditBefore = credit.balance();
        debit.releaseDebit(pending.amount());
        credit.releaseCredit(pending.amount());
        debit.debit(pending.amount());
        credit.credit(pending.amount());
        pendings.put(pendingId, pending.resolvedAs(TransferStatus.POSTED));
        return new Posting.Recorded(transferId, debit.id(), credit.id(), pending.amount(),
                kind == null ? pending.kind() : kind, TransferStatus.POSTED, pendingId, null, null, debitBefore, debit.balance(), creditBefore, credit.balance(),
                debit.pendingDebits());
    }

    /** The sweeper's release of a reservation whose timeout passed; its row id is derived from the pending id. */
    Posting expire(UUID pendingId, Instant now) {
        PendingTransfer pending = pendings.get(pendingId);
        if (pending != null && pending.resolution() == null && !pending.expiredAt(now)) {
            return new Refused(PENDING_NOT_EXPIRED, "pending transfer " + pendingId + " has not expired");
        }
        return release(expiryId(pendingId), pendingId, null, TransferStatus.EXPIRED);
    }

    static UUID expiryId(UUID pendingId) {
        return DerivedIds.of("expired", pendingId);
    }

    /** {@code now == null}: release whatever the timeout (the sweeper checked it). */
    private Posting release(UUID transferId, UUID pendingId, @Nullable Instant now, TransferStatus as) {
        PendingTransfer pending = pendings.get(pendingId);
        if (pending == null) {
            return pendingNotFound(pendingId);
        }
        Refused refused = checkResolvable(pendingId, pending, now);
        if (refused != null) {
            return refused;
        }
        Account debit = held(pending.debitAccountId());
        Account credit = held(pending.creditAccountId());
        debit.releaseDebit(pending.amount());
        credit.releaseCredit(pending.amount());
        pendings.put(pendingId, pending.resolvedAs(as));
        return row(transferId, pending, as, debit, debit.balance(), credit, credit.balance());
    }

    private static Refused pendingNotFound(UUID pendingId) {
        return new Refused(PENDING_NOT_FOUND, "no pending transfer " + pendingId);
    }

    private @Nullable Refused checkResolvable(UUID pendingId, PendingTransfer pending, @Nullable Instant now) {
        if (pending.resolution() != null) {
            return switch (pending.resolution()) {
                case POSTED -> new Refused(PENDING_ALREADY_POSTED, "pending transfer " + pendingId + " was posted");
                case VOIDED -> new Refused(PENDING_ALREADY_VOIDED, "pending transfer " + pendingId + " was voided");
                default -> new Refused(PENDING_EXPIRED, "pending transfer " + pendingId + " expired");
            };
        }
        if (now != null && pending.expiredAt(now)) {
            return new Refused(PENDING_EXPIRED,
                    "pending transfer " + pendingId + " expired at " + pending.expiresAt());
        }
        return null;
    }

    private @Nullable Refused checkMovement(UUID debitId, UUID creditId, long amount) {
        if (amount <= 0) {
            return new Refused(AMOUNT_NOT_POSITIVE, "amount must be positive, was " + amount);
        }
        if (debitId.equals(creditId)) {
            return new Refused(SAME_ACCOUNT, "debit and credit account are the same");
        }
        Account debit = accounts.get(debitId);
        if (debit == null) {
            return new Refused(UNKNOWN_ACCOUNT, "unknown debit account " + debitId);
        }
        if (!accounts.containsKey(creditId)) {
            return new Refused(UNKNOWN_ACCOUNT, "unknown credit account " + creditId);
        }
        if (debit.suspended()) {
            return new Refused(AGENT_SUSPENDED, "account " + debitId + " belongs to a suspended agent");
        }
        if (!debit.canDebit(amount)) {
            return new Refused(INSUFFICIENT_FUNDS,
                    "account " + debitId + " has insufficient available funds for " + amount);
        }
        return null;
    }

    /**
     * An account this batch holds: one {@link #checkMovement} found, or one of a reservation's (locked with it, or
     * checked when it was made).
     */
    private Account held(UUID id) {
        return Objects.requireNonNull(accounts.get(id), "checked, or locked with its reservation");
    }

    /** Whether {@code value + amount} leaves the long range (the test {@link Math#addExact} makes, without throwing). */
    private static boolean overflows(long value, long amount) {
        long sum = value + amount;
        return ((value ^ sum) & (amount ^ sum)) < 0;
    }

    /** Whether {@code value - amount} leaves the long range (as {@link Math#subtractExact} decides). */
    private static boolean underflows(long value, long amount) {
        long difference = value - amount;
        return ((value ^ amount) & (value ^ difference)) < 0;
    }

    private static Posting.Recorded row(UUID transferId, PendingTransfer p, TransferStatus status,
                                        Account debit, long debitBalance, Account credit, long creditBalance) {
        return new Posting.Recorded(transferId, p.debitAccountId(), p.creditAccountId(), p.amount(), p.kind(), status,
                status == TransferStatus.PENDING ? null : p.id(), status == TransferStatus.PENDING ? p.expiresAt() : null,
                status == TransferStatus.PENDING ? p.controller() : null,
                debitBalance, debitBalance, creditBalance, creditBalance, debit.pendingDebits());
    }

    List<Account> opened() {
        return accounts.values().stream().filter(Account::isNew).toList();
    }

    List<Account> changedExisting() {
        return accounts.values().stream().filter(a -> !a.isNew() && a.changed()).toList();
    }

    List<Account> statusChanged() {
        return accounts.values().stream().filter(Account::statusChanged).toList();
    }

    record Leg(UUID debitId, UUID creditId, long amount) {
    }
}
