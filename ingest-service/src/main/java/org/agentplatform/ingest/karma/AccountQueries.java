package org.agentplatform.ingest.karma;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import org.agentplatform.ingest.reads.ReadSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Balances and transfers as the ledger worker last committed them. */
@Component
class AccountQueries {

    /** An account's posted transfers per UTC day and kind in [:from, :to) (also what the scale benchmark explains). */
    static final String FLOW = """
            select (t.created_at at time zone 'UTC')::date as day, t.kind,
                   coalesce(sum(t.amount) filter (where t.credit_account_id = :id), 0),
                   coalesce(sum(t.amount) filter (where t.debit_account_id = :id), 0)
            from transfers t
            where (t.debit_account_id = :id or t.credit_account_id = :id) and t.status = 'POSTED'
              and t.created_at >= :from and t.created_at < :to
            group by 1, 2 order by 1, 2""";

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

    /**
     * What moved in and out of the account per UTC day in [from, to), by kind, counting posted transfers (holds move
     * nothing until posted). The OR is two index range scans, on (debit, created_at) and (credit, created_at).
     */
    List<DayFlow> flow(UUID accountId, Instant from, Instant to) {
        return reads.query(jdbc -> jdbc.sql(FLOW)
                .param("id", accountId).param("from", Timestamp.from(from)).param("to", Timestamp.from(to))
                .query((rs, n) -> new KindFlow(rs.getObject(1, LocalDate.class), rs.getString(2), rs.getLong(3),
                        rs.getLong(4)))
                .list())
                .stream().collect(Collectors.groupingBy(KindFlow::day, TreeMap::new,
                        Collectors.toList()))
                .entrySet().stream()
                .map(day -> new DayFlow(day.getKey(), day.getValue().stream().mapToLong(KindFlow::in).sum(),
                        day.getValue().stream().mapToLong(KindFlow::out).sum(), day.getValue()))
                .toList();
    }

    record KindFlow(LocalDate day, String kind, long in, long out) {
    }

    /** A day's karma in and out of the account, and the same by kind of transfer. */
    record DayFlow(LocalDate day, long in, long out, List<KindFlow> byKind) {
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
