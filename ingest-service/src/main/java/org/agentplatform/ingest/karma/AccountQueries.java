package org.agentplatform.ingest.karma;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.reads.ReadSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Balances and transfers as the ledger worker last committed them. */
@Component
class AccountQueries {

    private final ReadSource reads;

    AccountQueries(ReadSource reads) {
        this.reads = reads;
    }

    /**
     * The account with its {@code recent} newest transfers. The transfers are read once the balance's result set is
     * closed: read from its row mapper, each request would hold two pooled connections at once.
     */
    Optional<AccountView> find(UUID accountId, int recent) {
        return reads.query(jdbc -> jdbc.sql("select balance, pending_debits, pending_credits from accounts where id = ?")
                .param(accountId)
                .query((rs, n) -> new AccountView(accountId, rs.getLong(1), rs.getLong(2), rs.getLong(3),
                        rs.getLong(1) - rs.getLong(2), List.of()))
                .optional()
                .map(account -> account.withRecentTransfers(recentTransfers(jdbc, accountId, recent))));
    }

    /** Newest first, either side; the two indexes on (account, created_at) serve both halves. */
    private static List<TransferView> recentTransfers(JdbcClient jdbc, UUID accountId, int limit) {
        if (limit == 0) {
            return List.of();
        }
        return jdbc.sql("""
                (select id, debit_account_id, credit_account_id, amount, kind, status, created_at, memo from transfers
                  where debit_account_id = :id order by created_at desc limit :limit)
                union
                (select id, debit_account_id, credit_account_id, amount, kind, status, created_at, memo from transfers
                  where credit_account_id = :id order by created_at desc limit :limit)
                order by created_at desc, id limit :limit""")
                .param("id", accountId)
                .param("limit", limit)
                .query((rs, n) -> new TransferView(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getObject(3, UUID.class), rs.getLong(4), rs.getString(5), rs.getString(6),
                        rs.getObject(7, OffsetDateTime.class).toInstant(), rs.getString(8)))
                .list();
    }

    /** {@code available} is what a transfer may still take: the balance less the reserved pending debits. */
    record AccountView(UUID accountId, long balance, long pendingDebits, long pendingCredits, long available,
                       List<TransferView> recentTransfers) {

        AccountView withRecentTransfers(List<TransferView> transfers) {
            return new AccountView(accountId, balance, pendingDebits, pendingCredits, available, transfers);
        }
    }

    /** {@code memo}: the payer's note on a transfer (null if none). */
    record TransferView(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, String kind,
                        String status, Instant createdAt, String memo) {
    }
}
