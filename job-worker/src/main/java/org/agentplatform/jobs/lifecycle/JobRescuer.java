package org.agentplatform.jobs.lifecycle;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.JobRepository.HistoryRow;
import org.agentplatform.jobs.lifecycle.Transition.Changed;
import org.agentplatform.jobs.lifecycle.Transition.LeaseEnded;
import org.agentplatform.runtime.Outbox;
import org.agentplatform.runtime.PeriodicTask;
import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends expired leases back to the queue (with backoff) or to DEAD. Runs in every instance: each pass is its
 * own transaction that takes expired jobs with {@code skip locked}, so instances share the work and a job is
 * rescued by exactly one of them; a command batch that holds the job (a late heartbeat or completion) wins
 * and the rescuer sees the result on its next pass.
 */
@Component
class JobRescuer extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(JobRescuer.class);

    private final JobRepository repository;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final JobsProperties properties;
    private final Backoff backoff;
    private final Clock clock;

    JobRescuer(JobRepository repository, Outbox outbox, PlatformTransactionManager transactions,
               JobsProperties properties, Clock clock) {
        super("job-rescuer", properties.rescueInterval());
        this.repository = repository;
        this.outbox = outbox;
        this.tx = new TransactionTemplate(transactions);
        this.properties = properties;
        this.backoff = Backoff.of(properties);
        this.clock = clock;
    }

    @Override
    protected void runPass() {
        try {
            int rescued;
            do {
                rescued = rescue();
            } while (rescued == properties.rescueBatch() && !Thread.currentThread().isInterrupted());
        } catch (RuntimeException e) {
            // the next pass retries: a lease is only rescued late, never twice (row lock + status check)
            log.warn("Lease rescue failed: {}", e.toString());
        }
    }

    /** One transaction: rescues up to a batch of expired leases; returns how many. */
    int rescue() {
        Integer n = tx.execute(status -> {
            Instant now = clock.instant();
            List<Job> expired = repository.lockExpired(now, properties.rescueBatch());
            if (expired.isEmpty()) {
                return 0;
            }
            List<HistoryRow> history = new ArrayList<>(expired.size());
            List<LeaseEnded> ended = new ArrayList<>(expired.size());
            List<Envelope<JobEvent>> events = new ArrayList<>(expired.size());
            List<EscrowStep> refunds = new ArrayList<>();
            for (Job job : expired) {
                long token = job.fencingToken();
                Changed c = (Changed) job.expireLease(now, backoff);
                // a rescue is kept in the history and announced
                history.add(new HistoryRow(Objects.requireNonNull(c.history(), "history"), null));
                ended.add(c.leaseEnded());
                // Stable id: a lease (job, token) expires once, so downstream can dedupe on it.
                UUID eventId = DerivedIds.of("job-lease-expired", job.id(), token);
                events.add(Envelope.of(eventId, Objects.requireNonNull(c.event(), "event"), "job-worker", now));
                EscrowStep refund = job.settlement(); // a job that died here gives its price back
                if (refund != null) {
                    refunds.add(refund);
                }
            }
            repository.update(expired, now);
            repository.endLeases(ended);
            repository.appendHistory(history, now);
            repository.insertEscrowSteps(refunds, now);
            outbox.append(events, now);
            return expired.size();
        });
        return n == null ? 0 : n;
    }
}
