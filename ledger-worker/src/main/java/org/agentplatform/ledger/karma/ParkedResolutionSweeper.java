package org.agentplatform.ledger.karma;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.runtime.CommandOutcomes;
import org.agentplatform.runtime.DeferredOutcomes;
import org.agentplatform.runtime.Outcome;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Decides the parked posts and voids that a reservation's transaction did not: those whose deadline passed
 * (rejected {@code PENDING_NOT_FOUND}) and those whose pending id is now taken, by a reservation that committed
 * while they were being parked (applied, as a direct post or void would be) or by anything else (refused at once).
 * Run by the {@link PendingExpirySweeper}'s schedule, in every instance: parked rows and reservations are taken
 * with {@code skip locked}, so instances and command batches never wait on each other for them.
 */
@Component
class ParkedResolutionSweeper {

    private final ParkedResolutionRepository parkedRepository;
    private final LedgerRepository repository;
    private final DeferredOutcomes deferredOutcomes;
    private final CommandOutcomes outcomes;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final int batchSize;

    ParkedResolutionSweeper(ParkedResolutionRepository parkedRepository, LedgerRepository repository,
                            DeferredOutcomes deferredOutcomes, CommandOutcomes outcomes,
                            PlatformTransactionManager transactions, Clock clock, ParkedResolutionProperties properties) {
        this.parkedRepository = parkedRepository;
        this.repository = repository;
        this.deferredOutcomes = deferredOutcomes;
        this.outcomes = outcomes;
        this.tx = new TransactionTemplate(transactions);
        this.clock = clock;
        this.batchSize = properties.sweepBatch();
    }

    int batchSize() {
        return batchSize;
    }

    /** One transaction: decides up to the batch size of parked resolutions; returns how many. */
    int sweep() {
        Integer n = tx.execute(status -> {
            Instant now = clock.instant();
            List<ParkedResolution> due = parkedRepository.lockDecidable(now, batchSize);
            if (due.isEmpty()) {
                return 0;
            }
            TreeSet<UUID> pendingIds = new TreeSet<>();
            due.forEach(p -> pendingIds.add(p.pendingId()));
            List<PendingTransfer> pendings = repository.lockPendingsSkipLocked(pendingIds);
            Map<UUID, String> transfers = parkedRepository.transferStatuses(pendingIds);
            Set<UUID> handled = outcomes.find(pendingIds).keySet();
            Set<UUID> behind = parkedRepository.behindOthers(due);
            TreeSet<UUID> accountIds = PendingTransfer.accountsOf(pendings, new TreeSet<>());
            Ledger ledger = new Ledger(repository.lock(accountIds), pendings);

            List<Posting.Recorded> rows = new ArrayList<>();
            List<Outcome.Finished> finished = new ArrayList<>();
            for (ParkedResolution p : due) { // in arrival order: the first one wins
                Posting posting;
                if (behind.contains(p.commandId())) {
                    continue; // an earlier one for the same reservation is held elsewhere: it goes first
                } else if (ledger.hasPending(p.pendingId())) {
                    posting = p.applyTo(ledger, now);
                } else if ("PENDING".equals(transfers.get(p.pendingId()))) {
                    continue; // a command batch holds the reservation: the next sweep
                } else if (transfers.containsKey(p.pendingId()) || handled.contains(p.pendingId())) {
                    posting = new Refused(Ledger.PENDING_NOT_FOUND, "no pending transfer " + p.pendingId()
                            + ": that id is not a reservation");
                } else if (!p.deadline().isAfter(now)) {
                    posting = new Refused(Ledger.PENDING_NOT_FOUND, "no pending transfer " + p.pendingId()
                            + " was reserved by " + p.deadline());
                } else {
                    continue;
                }
                finished.add(LedgerCommandHandler.finished(rows, p, posting));
            }
            repository.updateBalances(ledger.changedExisting(), now);
            repository.insertTransfers(rows, now);
            parkedRepository.delete(finished.stream().map(f -> f.command().id()).toList());
            deferredOutcomes.finish(finished, now);
            return finished.size();
        });
        return n == null ? 0 : n;
    }
}
