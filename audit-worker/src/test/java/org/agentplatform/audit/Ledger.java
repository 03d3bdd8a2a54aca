package org.agentplatform.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import javax.sql.DataSource;

/** Writes ledger rows the way the workers do, with plain JDBC, in one transaction per call. */
public final class Ledger {

    public static final UUID TREASURY = UUID.fromString("00000000-0000-0000-0000-000000000001");

    private final DataSource dataSource;

    public Ledger(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** What {@link #registerAndGrant} wrote. */
    public record Written(UUID agentId, UUID accountId, UUID transferId, UUID eventId, String eventPayload, long txId) {
    }

    /**
     * One transaction: a new agent and its account, a grant from the treasury (transfer + both balances),
     * and an outbox event that is inserted and deleted again, as the workers do.
     */
    public Written registerAndGrant(String name, long amount) throws SQLException {
        UUID agent = UUID.randomUUID();
        UUID account = UUID.randomUUID();
        UUID transfer = UUID.randomUUID();
        UUID event = UUID.randomUUID();
        Timestamp now = Timestamp.from(Instant.now());
        String payload = """
                {"id":"%s","type":"TransferPosted","schemaVersion":1,"occurredAt":"%s","actor":"test",
                 "correlationId":"%s","causationId":null,"payload":{"transferId":"%s","amount":%d}}"""
                .formatted(event, now.toInstant(), event, transfer, amount);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            update(c, "insert into agents (id, name, status, metadata, created_at, updated_at) values (?, ?, 'ACTIVE', '{\"tier\":1}'::jsonb, ?, ?)",
                    agent, name, now, now);
            update(c, "insert into accounts (id, agent_id, balance, created_at, updated_at) values (?, ?, 0, ?, ?)",
                    account, agent, now, now);
            update(c, """
                    insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status,
                        debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at)
                    select ?, ?, ?, ?, 'grant', 'POSTED', t.balance, t.balance - ?, 0, ?, ? from accounts t where t.id = ?""",
                    transfer, TREASURY, account, amount, amount, amount, now, TREASURY);
            update(c, "update accounts set balance = balance - ?, updated_at = ? where id = ?", amount, now, TREASURY);
            update(c, "update accounts set balance = balance + ?, updated_at = ? where id = ?", amount, now, account);
            update(c, "insert into outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at) values (?, 'karma', ?, 'TransferPosted', ?::jsonb, ?)",
                    event, account.toString(), payload, now);
            update(c, "delete from outbox where id = ?", event);
            long txId;
            try (var rs = c.createStatement().executeQuery("select txid_current()")) {
                rs.next();
                txId = rs.getLong(1);
            }
            c.commit();
            return new Written(agent, account, transfer, event, payload, txId);
        }
    }

    private static void update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
