package org.agentplatform.ledger.karma;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.schema.ledger.LedgerEvent;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Voids reservations whose timeout passed. Runs in every instance: each sweep is its own transaction that
 * takes expired pending rows with {@code skip locked} (so instances and command batches never wait on each
 * other for them), then their accounts in id order like a command batch, and writes the EXPIRED rows, the
 * balances and the events (to the outbox) together.
 */
@Component
class PendingExpirySweeper {

    private static final Logger log = LoggerFactory.getLogger(PendingExpirySweeper.class);

    private final LedgerRepository repository;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final MessageCodec codec;
    private final Clock clock;
    private final int batchSize;
    private final boolean deleteOutboxRows;

    PendingExpirySweeper(LedgerRepository repository, JdbcTemplate jdbc, PlatformTransactionManager transactions,
                         MessageCodec codec, Clock clock,
                         @Value("${platform.ledger.expiry-sweep-batch:500}") int batchSize,
                         @Value("${platform.consumer.delete-outbox-rows:true}") boolean deleteOutboxRows) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.codec = codec;
        this.clock = clock;
        this.batchSize = batchSize;
        this.deleteOutboxRows = deleteOutboxRows;
    }

    @Scheduled(fixedDelayString = "${platform.ledger.expiry-sweep-interval-ms:1000}",
            initialDelayString = "${platform.ledger.expiry-sweep-interval-ms:1000}")
    void scheduledSweep() {
        try {
            int expired;
            do {
                expired = sweep();
            } while (expired == batchSize);
        } catch (RuntimeException e) {
            // The next tick retries; a reservation is only released late, never twice (unique pending_id).
            log.warn("Expiry sweep failed: {}", e.toString());
        }
    }

    /** One transaction: expires up to the batch size of reservations; returns how many. */
    int sweep() {
        Integer n = tx.execute(status -> {
            Instant now = clock.instant();
            List<PendingTransfer> pendings = repository.lockExpiredPendings(now, batchSize);
            if (pendings.isEmpty()) {
                return 0;
            }
            TreeSet<UUID> accountIds = new TreeSet<>();
            pendings.forEach(p -> {
                accountIds.add(p.debitAccountId());
                accountIds.add(p.creditAccountId());
            });
            Ledger ledger = new Ledger(repository.lock(accountIds), pendings);
            List<Posting.Recorded> rows = new ArrayList<>();
            for (PendingTransfer p : pendings) {
                if (ledger.expire(p.id(), now) instanceof Posting.Recorded row) {
                    rows.add(row);
                }
            }
            repository.updateBalances(ledger.changedExisting(), now);
            repository.insertTransfers(rows, now);
            publish(rows, now);
            return rows.size();
        });
        return n == null ? 0 : n;
    }

    /**
     * Outbox rows as the command runtime writes them (its Outbox is not public). Stable event ids: an expiry
     * happens once, and downstream can dedupe on it.
     */
    private void publish(List<Posting.Recorded> rows, Instant now) {
        if (rows.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(now);
        List<Envelope<LedgerEvent>> events = rows.stream().map(r -> Envelope.of(
                UUID.nameUUIDFromBytes(("event:" + r.transferId()).getBytes(StandardCharsets.UTF_8)), r.event(),
                "ledger-worker", now)).toList();
        jdbc.batchUpdate("""
                insert into outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at)
                values (?, ?, ?, ?, ?::jsonb, ?)""",
                events, events.size(), (ps, e) -> {
                    ps.setObject(1, e.id());
                    ps.setString(2, e.payload().aggregateType());
                    ps.setString(3, e.payload().aggregateId());
                    ps.setString(4, e.type());
                    ps.setObject(5, codec.encodeToString(e), Types.OTHER);
                    ps.setTimestamp(6, ts);
                });
        if (deleteOutboxRows) {
            jdbc.update("delete from outbox where id = any(?)", (Object) events.stream().map(Envelope::id).toArray(UUID[]::new));
        }
    }
}
