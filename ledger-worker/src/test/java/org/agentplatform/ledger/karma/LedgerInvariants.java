package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.jdbc.core.JdbcTemplate;

/** The ledger's invariants, checked in SQL over the whole database. */
final class LedgerInvariants {

    private LedgerInvariants() {
    }

    static void assertHold(JdbcTemplate jdbc) {
        // Conservation: karma is only ever moved, never created or lost.
        assertThat(jdbc.queryForObject("select coalesce(sum(balance), 0) from accounts", Long.class)).isZero();
        // No account without the flag is negative, counting reservations.
        assertThat(jdbc.queryForList("select id from accounts where not may_go_negative and balance - pending_debits < 0"))
                .isEmpty();
        // Each balance is the sum of its POSTED transfers; each reservation total the sum of its open PENDING rows.
        assertThat(jdbc.queryForList("""
                select a.id, a.balance, a.pending_debits, a.pending_credits from accounts a
                where a.balance <> coalesce((select sum(amount) from transfers where status = 'POSTED' and credit_account_id = a.id), 0)
                                 - coalesce((select sum(amount) from transfers where status = 'POSTED' and debit_account_id = a.id), 0)
                   or a.pending_debits <> coalesce((select sum(t.amount) from transfers t where t.status = 'PENDING'
                          and t.debit_account_id = a.id and not exists (select 1 from transfers r where r.pending_id = t.id)), 0)
                   or a.pending_credits <> coalesce((select sum(t.amount) from transfers t where t.status = 'PENDING'
                          and t.credit_account_id = a.id and not exists (select 1 from transfers r where r.pending_id = t.id)), 0)
                """)).isEmpty();
    }
}
