package org.agentplatform.ledger.karma;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.runtime.Outbox;
import org.agentplatform.runtime.PeriodicTask;
import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Voids reservations whose timeout passed. Runs in every instance: each sweep is its own transaction that
 * takes expired pending rows with {@code skip locked} (so instances and command batches never wait on each
 * other for them), then their accounts in id order like a command batch, and writes the EXPIRED rows, the
 * balances and the events (to the outbox) together. The same schedule then runs the
 * {@link ParkedResolutionSweeper}: the two-phase protocol's other timeout.
 */
@Component
class PendingExpirySweeper extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(PendingExpirySweeper.class);

    private final LedgerRepository repository;
    private final Outbox outbox;
    private final ParkedResolutionSweeper parked;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final int batchSize;

    PendingExpirySweeper(LedgerRepository repository, Outbox outbox, ParkedResolutionSweeper parked,
                         PlatformTransactionManager transactions, Clock clock, ExpirySweepProperties properties) {
        super("ledger-expiry-sweeper", properties.expirySweepIntervalMs());
        this.repository = repository;
        this.outbox = outbox;
        this.parked = parked;
        this.tx = new TransactionTemplate(transactions);
        this.clock = clock;
        this.batchSize = properties.expirySweepBatch();
    }

    @Override
    protected void runPass() {
        try {
            int expired;
            do {
                expired = sweep();
            } while (expired == batchSize);
        } catch (RuntimeException e) {
            // The next tick retries; a reservation is only released late, never twice (unique pending_id).
            log.warn("Expiry sweep failed: {}", e.toString());
        }
        try {
            int decided;
            do {
                decided = parked.sweep();
            } while (decided == parked.batchSize());
        } catch (RuntimeException e) {
            // The next tick retries; a parked command is decided late, never twice (its inbox row must be DEFERRED).
            log.warn("Parked resolution sweep failed: {}", e.toString());
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
            TreeSet<UUID> accountIds = PendingTransfer.accountsOf(pendings, new TreeSet<>());
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

    /** Stable event ids: an expiry happens once, and downstream can dedupe on it. */
    private void publish(List<Posting.Recorded> rows, Instant now) {
        outbox.append(rows.stream().map(r -> Envelope.of(
                DerivedIds.of("event", r.transferId()), r.event(),
                "ledger-worker", now)).toList(), now);
    }
}
