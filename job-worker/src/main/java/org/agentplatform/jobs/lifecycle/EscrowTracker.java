package org.agentplatform.jobs.lifecycle;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.jobs.lifecycle.JobRepository.HistoryRow;
import org.agentplatform.jobs.lifecycle.Transition.Changed;
import org.agentplatform.runtime.CommandOutcomes;
import org.agentplatform.runtime.Outbox;
import org.agentplatform.runtime.PeriodicTask;
import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Envelope;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The escrow saga's tracking half, in every instance: reads the ledger's recorded outcome of each sent saga
 * command ({@link CommandOutcomes}) and applies it to the job under the job's row lock, which may write the next
 * step for the {@link EscrowRelay}; and marks a job's escrow STUCK when its command got no outcome after
 * {@code sagaMaxResends} resends, instead of waiting for ever in silence. Each is written in the transaction of
 * the state change that needs it, so no crash loses or repeats a movement of karma.
 */
@Component
class EscrowTracker extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(EscrowTracker.class);
    private static final int BATCH = EscrowRelay.BATCH;

    private final JdbcTemplate jdbc;
    private final JobRepository repository;
    private final CommandOutcomes outcomes;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final JobsProperties properties;
    private final Clock clock;
    private final Counter stuckRefused;
    private final Counter stuckNoOutcome;

    EscrowTracker(JdbcTemplate jdbc, JobRepository repository, CommandOutcomes outcomes, Outbox outbox,
                  PlatformTransactionManager transactions, JobsProperties properties, MeterRegistry meters,
                  Clock clock) {
        super("job-escrow-tracker", properties.sagaInterval());
        this.jdbc = jdbc;
        this.repository = repository;
        this.outcomes = outcomes;
        this.outbox = outbox;
        this.tx = new TransactionTemplate(transactions);
        this.properties = properties;
        this.clock = clock;
        this.stuckRefused = stuck(meters, "refused");
        this.stuckNoOutcome = stuck(meters, "no_outcome");
    }

    private static Counter stuck(MeterRegistry meters, String cause) {
        return Counter.builder("platform.jobs.escrow.stuck")
                .description("Job escrows marked STUCK (the price stays in escrow until an operator settles it), by cause: "
                        + "the ledger refused a settlement step, or a step never got an outcome")
                .tag("cause", cause)
                .register(meters);
    }

    @Override
    protected void runPass() {
        EscrowRelay.everyPage(this::track);
        EscrowRelay.everyPage(this::giveUp);
    }

    /**
     * One page, by id after {@code after}, of sent unresolved saga commands: applies the final outcomes recorded
     * for them (not DEFERRED ones) to their jobs. Returns the page's last id, or null after the last page. Paged,
     * so that commands still in flight never hide the decided ones behind them; read without locks, and only the
     * decided ones locked (skipping those another instance holds), so in-flight steps cost no lock and no WAL.
     */
    @Nullable UUID track(UUID after) {
        int[] stuck = {0};
        List<UUID> read = tx.execute(status -> {
            stuck[0] = 0; // counted once committed
            Instant now = clock.instant();
            List<UUID> page = jdbc.queryForList("""
                    select id from job_saga_commands where resolved_at is null and sent_at is not null and id > ?
                    order by id limit ?""", UUID.class, after, BATCH);
            if (page.isEmpty()) {
                return page;
            }
            Map<UUID, CommandOutcomes.Recorded> recorded = outcomes.find(page);
            List<UUID> decided = page.stream().filter(id -> recorded.containsKey(id) && recorded.get(id).isFinal())
                    .toList();
            List<Resolved> resolved = lock(decided, 0).stream()
                    .map(s -> new Resolved(s, Objects.requireNonNull(recorded.get(s.commandId()),
                            "only decided commands are locked"))).toList();
            if (!resolved.isEmpty()) {
                stuck[0] = apply(resolved, now);
            }
            return page;
        });
        stuckRefused.increment(stuck[0]);
        return EscrowRelay.pageEnd(read);
    }

    /** Applies each outcome to its job and records the commands resolved; returns how many escrows became STUCK. */
    private int apply(List<Resolved> resolved, Instant now) {
        Map<UUID, Job> jobs = lockJobs(resolved.stream().map(r -> r.sent().jobId()).toList());
        List<HistoryRow> history = new ArrayList<>();
        List<Envelope<JobEvent>> events = new ArrayList<>();
        List<EscrowStep> next = new ArrayList<>();
        int stuck = 0;
        for (Resolved r : resolved) {
            Job job = lockedJob(jobs, r.sent());
            Effect effect = effect(job, r.sent(), r.outcome(), now);
            if (effect.transition() instanceof Changed c) {
                history.add(new HistoryRow(escrowHistory(c), r.sent().commandId()));
                events.add(event(r.sent(), c, now));
                if (job.escrowStatus() == EscrowStatus.STUCK) {
                    stuck++;
                    log.error("Escrow of job {} is stuck: the ledger refused {} ({})", job.id(), r.sent().step(),
                            r.outcome().reason());
                }
            }
            if (effect.next() != null) {
                next.add(effect.next());
            }
        }
        jdbc.update("""
                update job_saga_commands s set resolved_at = ?, outcome = v.outcome, reason = v.reason
                from unnest(?::uuid[], ?::text[], ?::text[]) as v(id, outcome, reason) where s.id = v.id""",
                Timestamp.from(now), resolved.stream().map(r -> r.sent().commandId()).toArray(UUID[]::new),
                resolved.stream().map(r -> r.outcome().status().name()).toArray(String[]::new),
                resolved.stream().map(r -> r.outcome().reason()).toArray(String[]::new));
        repository.update(jobs.values().stream().filter(Job::isChanged).toList(), now);
        repository.appendHistory(history, now);
        repository.insertEscrowSteps(next, now);
        outbox.append(events, now);
        return stuck;
    }

    /** What a step's final outcome does to its job: a transition, the next step, or both. */
    private static Effect effect(Job job, Sent sent, CommandOutcomes.Recorded outcome, Instant now) {
        boolean applied = outcome.isApplied();
        return switch (sent.step()) {
            // settlement() after the transition: a job cancelled while its reservation was on its way is refunded
            case RESERVE -> new Effect(applied ? job.escrowReserved(now)
                    : job.escrowRejected(outcome.reason(), outcome.detail()), job.settlement());
            case POST -> applied ? new Effect(null, job.escrowPosted())
                    : new Effect(job.escrowSettled(EscrowStatus.STUCK, outcome.reason()), null);
            case RESOLVE_POST -> applied ? new Effect(null, job.escrowResolutionPosted(sent.commandId()))
                    : new Effect(job.escrowSettled(EscrowStatus.STUCK, outcome.reason()), null);
            case PAY, RESOLVE_PAY -> new Effect(job.escrowSettled(applied ? EscrowStatus.PAID : EscrowStatus.STUCK,
                    outcome.reason()), null);
            case REFUND, RESOLVE_VOID, RESOLVE_RETURN -> new Effect(job.escrowSettled(
                    applied ? EscrowStatus.REFUNDED : EscrowStatus.STUCK, outcome.reason()), null);
        };
    }

    /**
     * One page, by id after {@code after}, of sent commands resent {@code sagaMaxResends} times that still got no
     * outcome: marks their jobs' escrow STUCK and the commands resolved. Returns the page's last id, or null after
     * the last page.
     */
    @Nullable UUID giveUp(UUID after) {
        int[] stuck = {0};
        List<UUID> read = tx.execute(status -> {
            stuck[0] = 0;
            Instant now = clock.instant();
            List<UUID> page = jdbc.queryForList("""
                    select id from job_saga_commands
                    where resolved_at is null and sent_at is not null and coalesce(last_sent_at, sent_at) <= ?
                      and attempts > ? and id > ?
                    order by id limit ?""", UUID.class,
                    Timestamp.from(now.minus(properties.sagaResendAfter())), properties.sagaMaxResends(), after, BATCH);
            if (page.isEmpty()) {
                return page;
            }
            // a command with a recorded outcome is the tracker's to apply, or the ledger's to decide (DEFERRED);
            // a dead-lettered one was never applied and, resent in vain, is as lost as one never seen
            List<Sent> lost = lock(outcomes.unanswered(page), properties.sagaMaxResends());
            if (!lost.isEmpty()) {
                stuck[0] = markStuck(lost, now);
            }
            return page;
        });
        stuckNoOutcome.increment(stuck[0]);
        return EscrowRelay.pageEnd(read);
    }

    /** Marks the jobs of commands that never got an outcome STUCK, and the commands resolved; returns how many jobs. */
    private int markStuck(List<Sent> lost, Instant now) {
        Map<UUID, Job> jobs = lockJobs(lost.stream().map(Sent::jobId).toList());
        List<HistoryRow> history = new ArrayList<>();
        List<Envelope<JobEvent>> events = new ArrayList<>();
        for (Sent s : lost) {
            Job job = lockedJob(jobs, s);
            if (job.escrowNoOutcome() instanceof Changed c) {
                history.add(new HistoryRow(escrowHistory(c), s.commandId()));
                events.add(event(s, c, now));
            }
            log.error("Escrow of job {} is stuck: its {} command {} got no outcome after {} resends ({})",
                    job.id(), s.step(), s.commandId(), properties.sagaMaxResends(), Job.NO_OUTCOME);
        }
        // resolved, so that a late outcome is left to the operator rather than applied to a STUCK escrow
        jdbc.update("update job_saga_commands set resolved_at = ?, outcome = ?, reason = ? where id = any(?)",
                Timestamp.from(now), Job.NO_OUTCOME, Job.NO_OUTCOME,
                (Object) lost.stream().map(Sent::commandId).toArray(UUID[]::new));
        repository.update(jobs.values().stream().filter(Job::isChanged).toList(), now);
        repository.appendHistory(history, now);
        outbox.append(events, now);
        return history.size();
    }

    /**
     * Locks those of {@code ids} that are still unresolved and were published more than {@code moreAttemptsThan}
     * times, skipping any another instance holds: the unlocked read that chose them may be stale.
     */
    private List<Sent> lock(List<UUID> ids, int moreAttemptsThan) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.query("""
                select id, job_id, step, generation from job_saga_commands
                where id = any(?) and resolved_at is null and attempts > ? order by id for update skip locked""",
                (rs, i) -> new Sent(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        EscrowStep.Kind.valueOf(rs.getString(3)), rs.getInt(4)), ids.toArray(UUID[]::new), moreAttemptsThan);
    }

    /** In id order, like every transaction that locks jobs. */
    private Map<UUID, Job> lockJobs(List<UUID> jobIds) {
        Map<UUID, Job> jobs = new HashMap<>();
        repository.lock(new TreeSet<>(jobIds)).forEach(j -> jobs.put(j.id(), j));
        return jobs;
    }

    /** A saga command's job, which {@link #lockJobs} locked: the command references its row (foreign key). */
    private static Job lockedJob(Map<UUID, Job> jobs, Sent sent) {
        return Objects.requireNonNull(jobs.get(sent.jobId()), "job of saga command");
    }

    /**
     * Stable: the same step's outcome is the same event however often a crash makes it be applied again. A step
     * an admin sent again (RETRY) has a new generation, and its new outcome a new event: consumers dedupe by id.
     */
    private static Envelope<JobEvent> event(Sent sent, Changed change, Instant now) {
        UUID id = sent.generation() == 0 ? DerivedIds.of("job-escrow-event", sent.commandId())
                : DerivedIds.of("job-escrow-event", sent.commandId(), sent.generation());
        return Envelope.of(id, Objects.requireNonNull(change.event(), "an escrow transition has an event"),
                "job-worker", now);
    }

    private static Transition.History escrowHistory(Changed change) {
        return Objects.requireNonNull(change.history(), "an escrow transition is kept in the history");
    }

    /** {@code generation}: how often an admin sent the command again after it got no outcome (0: never). */
    private record Sent(UUID commandId, UUID jobId, EscrowStep.Kind step, int generation) {
    }

    private record Resolved(Sent sent, CommandOutcomes.Recorded outcome) {
    }

    private record Effect(@Nullable Transition transition, @Nullable EscrowStep next) {
    }
}
