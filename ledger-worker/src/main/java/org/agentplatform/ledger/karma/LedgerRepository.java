package org.agentplatform.ledger.karma;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Repository;

/**
 * Set-based SQL for a batch: one statement per kind of change, whatever the batch size.
 *
 * <p>Lock order, the same for every transaction: pending transfer rows by id, then accounts by id. The
 * expiry sweeper takes pending rows with {@code skip locked}, so it never waits on them.
 */
@Repository
class LedgerRepository {

    private static final RowMapper<PendingTransfer> PENDING = (rs, n) -> new PendingTransfer(
            rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getObject(3, UUID.class), rs.getLong(4),
            TransferKind.valueOf(rs.getString(5)), rs.getTimestamp(6).toInstant(), rs.getString(7), null);

    private final JdbcTemplate jdbc;

    LedgerRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the accounts in id order, with their agent's status. Every batch locks in the same order, so
     * concurrent workers whose batches share accounts wait for each other instead of deadlocking. The agent
     * row is not locked: every change to an agent's status is made under its account's lock.
     */
    List<Account> lock(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select a.id, a.may_go_negative, a.agent_id is not null, coalesce(g.status = 'SUSPENDED', false),
                       a.balance, a.pending_debits, a.pending_credits
                from accounts a left join agents g on g.id = a.agent_id
                where a.id = any(?) order by a.id for update of a""",
                (rs, n) -> new Account(rs.getObject(1, UUID.class), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), false),
                (Object) ids.toArray(UUID[]::new));
    }

    /**
     * Locks the named PENDING transfers in id order and reads how each was resolved. The resolutions are read
     * by a second statement, after the lock is held, so a resolution committed while this waited is seen.
     */
    List<PendingTransfer> lockPendings(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<PendingTransfer> locked = jdbc.query("""
                select id, debit_account_id, credit_account_id, amount, kind, expires_at, controller from transfers
                where id = any(?) and status = 'PENDING' order by id for update""",
                PENDING, (Object) ids.toArray(UUID[]::new));
        return withResolutions(locked);
    }

    /**
     * Locks the named PENDING transfers that no other transaction holds (for the parked-resolution sweeper, which
     * must not wait on a command batch), and reads how each was resolved.
     */
    List<PendingTransfer> lockPendingsSkipLocked(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<PendingTransfer> locked = jdbc.query("""
                select id, debit_account_id, credit_account_id, amount, kind, expires_at, controller from transfers
                where id = any(?) and status = 'PENDING' order by id for update skip locked""",
                PENDING, (Object) ids.toArray(UUID[]::new));
        return withResolutions(locked);
    }

    /**
     * Locks up to {@code limit} reservations whose timeout passed, skipping those another instance (or a
     * command batch) holds: several sweepers share the work without waiting on each other.
     */
    List<PendingTransfer> lockExpiredPendings(Instant now, int limit) {
        List<PendingTransfer> locked = jdbc.query("""
                select t.id, t.debit_account_id, t.credit_account_id, t.amount, t.kind, t.expires_at, t.controller
                from transfers t
                where t.status = 'PENDING' and t.expires_at <= ? and t.credit_account_id <> ?
                  and not exists (select 1 from transfers r where r.pending_id = t.id)
                order by t.expires_at limit ? for update of t skip locked""",
                PENDING, Timestamp.from(now), JobEscrow.ACCOUNT, limit);
        return withResolutions(locked);
    }

    private List<PendingTransfer> withResolutions(List<PendingTransfer> locked) {
        if (locked.isEmpty()) {
            return locked;
        }
        Map<UUID, TransferStatus> resolved = new HashMap<>();
        jdbc.query("select pending_id, status from transfers where pending_id = any(?)",
                rs -> {
                    resolved.put(rs.getObject(1, UUID.class), TransferStatus.valueOf(rs.getString(2)));
                },
                (Object) locked.stream().map(PendingTransfer::id).toArray(UUID[]::new));
        return locked.stream().map(p -> resolved.containsKey(p.id()) ? p.resolvedAs(resolved.get(p.id())) : p).toList();
    }

    void insertAgents(List<NewAgent> agents, Instant at) {
        if (agents.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("insert into agents (id, name, status, created_at, updated_at) values (?, ?, 'ACTIVE', ?, ?)",
                agents, agents.size(), (ps, a) -> {
                    ps.setObject(1, a.id());
                    ps.setString(2, a.name());
                    ps.setTimestamp(3, ts);
                    ps.setTimestamp(4, ts);
                });
    }

    /** Agent accounts: the account has the agent's id. */
    void insertAccounts(List<Account> accounts, Instant at) {
        if (accounts.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into accounts (id, agent_id, may_go_negative, balance, pending_debits, pending_credits,
                    created_at, updated_at)
                values (?, ?, false, ?, ?, ?, ?, ?)""",
                accounts, accounts.size(), (ps, a) -> {
                    ps.setObject(1, a.id());
                    ps.setObject(2, a.id());
                    ps.setLong(3, a.balance());
                    ps.setLong(4, a.pendingDebits());
                    ps.setLong(5, a.pendingCredits());
                    ps.setTimestamp(6, ts);
                    ps.setTimestamp(7, ts);
                });
    }

    void updateBalances(List<Account> accounts, Instant at) {
        if (accounts.isEmpty()) {
            return;
        }
        jdbc.update("""
                update accounts a set balance = v.balance, pending_debits = v.pending_debits,
                    pending_credits = v.pending_credits, updated_at = ?
                from unnest(?::uuid[], ?::bigint[], ?::bigint[], ?::bigint[]) as v(id, balance, pending_debits, pending_credits)
                where a.id = v.id""",
                Timestamp.from(at),
                accounts.stream().map(Account::id).toArray(UUID[]::new),
                accounts.stream().map(Account::balance).toArray(Long[]::new),
                accounts.stream().map(Account::pendingDebits).toArray(Long[]::new),
                accounts.stream().map(Account::pendingCredits).toArray(Long[]::new));
    }

    void updateAgentStatuses(List<Account> accounts, Instant at) {
        if (accounts.isEmpty()) {
            return;
        }
        jdbc.update("""
                update agents g set status = v.status, updated_at = ?
                from unnest(?::uuid[], ?::text[]) as v(id, status)
                where g.id = v.id""",
                Timestamp.from(at),
                accounts.stream().map(Account::id).toArray(UUID[]::new),
                accounts.stream().map(a -> a.suspended() ? "SUSPENDED" : "ACTIVE").toArray(String[]::new));
    }

    /** Appends transfer rows in order (a reservation before its resolution in the same batch). */
    void insertTransfers(List<Posting.Recorded> transfers, Instant at) {
        if (transfers.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status, pending_id,
                    expires_at, controller, debit_balance_before, debit_balance_after, credit_balance_before,
                    credit_balance_after, created_at, memo)
                values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                transfers, transfers.size(), (ps, t) -> {
                    ps.setObject(1, t.transferId());
                    ps.setObject(2, t.debitAccountId());
                    ps.setObject(3, t.creditAccountId());
                    ps.setLong(4, t.amount());
                    ps.setString(5, t.kind().name());
                    ps.setString(6, t.status().name());
                    ps.setObject(7, t.pendingId(), Types.OTHER);
                    // as an offset date-time, not a Timestamp: that is rendered in the JVM's zone, where a hold until
                    // the end of year 9999 UTC may fall into year 10000
                    ps.setObject(8, t.expiresAt() == null ? null : OffsetDateTime.ofInstant(t.expiresAt(), ZoneOffset.UTC));
                    ps.setString(9, t.controller());
                    ps.setLong(10, t.debitBalanceBefore());
                    ps.setLong(11, t.debitBalanceAfter());
                    ps.setLong(12, t.creditBalanceBefore());
                    ps.setLong(13, t.creditBalanceAfter());
                    ps.setTimestamp(14, ts);
                    ps.setString(15, t.memo());
                });
    }

    record NewAgent(UUID id, String name) {
    }
}
