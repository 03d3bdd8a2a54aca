package org.agentplatform.ledger.karma;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Set-based SQL for a batch: one statement per kind of change, whatever the batch size. */
@Repository
class LedgerRepository {

    private final JdbcTemplate jdbc;

    LedgerRepository(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the accounts in id order. Every batch locks in the same order, so concurrent workers whose
     * batches share accounts wait for each other instead of deadlocking.
     */
    List<Account> lock(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select id, may_go_negative, balance, pending_debits from accounts
                where id = any(?) order by id for update""",
                (rs, n) -> new Account(rs.getObject(1, UUID.class), rs.getBoolean(2), rs.getLong(3), rs.getLong(4), false),
                (Object) ids.toArray(UUID[]::new));
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
                insert into accounts (id, agent_id, may_go_negative, balance, pending_debits, created_at, updated_at)
                values (?, ?, false, ?, ?, ?, ?)""",
                accounts, accounts.size(), (ps, a) -> {
                    ps.setObject(1, a.id());
                    ps.setObject(2, a.id());
                    ps.setLong(3, a.balance());
                    ps.setLong(4, a.pendingDebits());
                    ps.setTimestamp(5, ts);
                    ps.setTimestamp(6, ts);
                });
    }

    void updateBalances(List<Account> accounts, Instant at) {
        if (accounts.isEmpty()) {
            return;
        }
        jdbc.update("""
                update accounts a set balance = v.balance, pending_debits = v.pending_debits, updated_at = ?
                from unnest(?::uuid[], ?::bigint[], ?::bigint[]) as v(id, balance, pending_debits)
                where a.id = v.id""",
                Timestamp.from(at),
                accounts.stream().map(Account::id).toArray(UUID[]::new),
                accounts.stream().map(Account::balance).toArray(Long[]::new),
                accounts.stream().map(Account::pendingDebits).toArray(Long[]::new));
    }

    void insertTransfers(List<Posting.Posted> transfers, Instant at) {
        if (transfers.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                    debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at)
                values (?, ?, ?, ?, ?, 'POSTED', ?, ?, ?, ?, ?)""",
                transfers, transfers.size(), (ps, t) -> {
                    ps.setObject(1, t.transferId());
                    ps.setObject(2, t.debitAccountId());
                    ps.setObject(3, t.creditAccountId());
                    ps.setLong(4, t.amount());
                    ps.setString(5, t.kind().name());
                    ps.setLong(6, t.debitBalanceBefore());
                    ps.setLong(7, t.debitBalanceAfter());
                    ps.setLong(8, t.creditBalanceBefore());
                    ps.setLong(9, t.creditBalanceAfter());
                    ps.setTimestamp(10, ts);
                });
    }

    record NewAgent(UUID id, String name) {
    }
}
