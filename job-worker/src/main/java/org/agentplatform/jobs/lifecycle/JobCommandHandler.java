package org.agentplatform.jobs.lifecycle;

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
import org.agentplatform.jobs.lifecycle.Transition.LeaseEnded;
import org.agentplatform.jobs.lifecycle.Transition.LeaseStarted;
import org.agentplatform.jobs.lifecycle.Transition.Refused;
import org.agentplatform.runtime.CommandHandler;
import org.agentplatform.runtime.CommandOutcomes;
import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.FailJob;
import org.agentplatform.schema.jobs.Heartbeat;
import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Topics;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Applies a batch of job commands: locks the jobs the batch names (id order), then takes as many runnable
 * jobs as the batch has lease requests (skip locked), runs every command through {@link Job} in order, and
 * writes all changes with one statement per kind.
 */
@Component
class JobCommandHandler implements CommandHandler<JobCommand> {

    static final String JOB_NOT_FOUND = "JOB_NOT_FOUND";
    static final String JOB_EXISTS = "JOB_EXISTS";
    static final String NO_RUNNABLE_JOB = "NO_RUNNABLE_JOB";
    static final String UNKNOWN_AGENT = "UNKNOWN_AGENT";
    static final String AGENT_SUSPENDED = "AGENT_SUSPENDED";

    private final JobRepository repository;
    private final CommandOutcomes outcomes;
    private final Backoff backoff;
    private final Clock clock;

    JobCommandHandler(JobRepository repository, CommandOutcomes outcomes, JobsProperties properties, Clock clock) {
        this.repository = repository;
        this.outcomes = outcomes;
        this.backoff = Backoff.of(properties);
        this.clock = clock;
    }

    @Override
    public Class<JobCommand> family() {
        return JobCommand.class;
    }

    @Override
    public List<Outcome> handle(List<Envelope<JobCommand>> commands) {
        Instant now = clock.instant();
        Map<UUID, Job> jobs = new HashMap<>();
        TreeSet<UUID> named = new TreeSet<>();
        List<UUID> executors = new ArrayList<>();
        for (Envelope<JobCommand> e : commands) {
            UUID jobId = e.payload().jobId();
            if (jobId == null) {
                executors.add(((RequestLease) e.payload()).executorId());
            } else {
                named.add(jobId);
            }
        }
        repository.lock(named).forEach(j -> jobs.put(j.id(), j));
        Map<UUID, Escrow.Ledger> sagas = sagas(commands, jobs);
        Map<UUID, String> executorStatuses = repository.agentStatuses(executors);
        long leaseRequests = executors.stream().filter(x -> "ACTIVE".equals(executorStatuses.get(x))).count();
        if (leaseRequests > 0) {
            repository.lockRunnable(now, (int) leaseRequests).forEach(j -> jobs.putIfAbsent(j.id(), j));
        }
        // Candidates for this batch's lease requests, kept in lease order as commands change them.
        TreeSet<Job> runnable = new TreeSet<>(Job.LEASE_ORDER);
        jobs.values().stream().filter(j -> j.isRunnable(now)).forEach(runnable::add);

        Batch batch = new Batch();
        // asked only for a stale token (rare): the leases this batch granted are not written yet
        LeaseHolders holders = (job, token, executor) -> batch.started.stream().anyMatch(l -> l.jobId().equals(job)
                && l.fencingToken() == token && l.executorId().equals(executor)) || repository.held(job, token, executor);
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        for (Envelope<JobCommand> envelope : commands) {
            JobCommand command = envelope.payload();
            UUID commandId = envelope.id();
            if (command instanceof SubmitJob c) {
                if (jobs.containsKey(c.jobId())) {
                    outcomes.add(batch.outcome(new Refused(JOB_EXISTS, "job id already used", null), c.jobId().toString(),
                            commandId));
                    continue;
                }
                Job job = Job.submitted(c, now);
                jobs.put(job.id(), job);
                batch.created.add(job);
                if (job.isRunnable(now)) {
                    runnable.add(job);
                } else {
                    batch.escrow.add(job.reservation());
                }
                outcomes.add(batch.outcome(job.submittedTransition(), c.jobId().toString(), commandId));
            } else if (command instanceof RequestLease c) {
                String executor = c.executorId().toString();
                Refused refused = leaseRefusal(c.executorId(), executorStatuses.get(c.executorId()));
                Job job = refused == null ? runnable.pollFirst() : null;
                if (job != null) {
                    outcomes.add(batch.outcome(job.lease(c.executorId(), now), executor, commandId));
                } else {
                    if (refused == null) {
                        refused = new Refused(NO_RUNNABLE_JOB, null, null);
                    }
                    outcomes.add(rejected(refused.reason(), refused.detail(), executor));
                }
            } else {
                UUID jobId = Objects.requireNonNull(command.jobId(), "only a lease request names no job");
                Job job = jobs.get(jobId);
                if (job == null) {
                    outcomes.add(rejected(JOB_NOT_FOUND, null, jobId.toString()));
                    continue;
                }
                runnable.remove(job); // before the change: the set is ordered by fields the change may touch
                Transition t;
                if (command instanceof Heartbeat h) {
                    t = job.heartbeat(h.executorId(), h.fencingToken(), holders, now);
                } else if (command instanceof CompleteJob c) {
                    t = job.complete(c.executorId(), c.fencingToken(), c.result(), holders, now);
                } else if (command instanceof FailJob f) {
                    t = job.fail(f.executorId(), f.fencingToken(), f.error(), f.retryable(), holders, now, backoff);
                } else if (command instanceof CancelJob c) {
                    t = job.cancel(c.requestedBy(), Issuer.of(envelope.actor()) instanceof Issuer.Admin, now);
                } else if (command instanceof ResolveEscrow r) {
                    // the ledger was read for each job locked at the start: one submitted in this batch fails it
                    // here, and the batch is retried one command at a time
                    Escrow.Ledger ledger = Objects.requireNonNull(sagas.get(jobId), "ledger read for the job");
                    Job.Resolved resolved = job.resolveEscrow(r.action(), r.reason(), ledger, commandId);
                    t = resolved.transition();
                    if (resolved.step() != null) {
                        batch.escrow.add(resolved.step());
                    }
                    if (resolved.resend() != null) {
                        batch.resend.add(resolved.resend());
                    }
                } else {
                    throw new IllegalArgumentException("Unhandled job command " + command.getClass().getName());
                }
                if (job.isRunnable(now)) {
                    runnable.add(job);
                }
                EscrowStep settlement = job.settlement();
                if (settlement != null) {
                    batch.escrow.add(settlement);
                }
                outcomes.add(batch.outcome(t, jobId.toString(), commandId));
            }
        }

        repository.insert(batch.created, now);
        repository.update(jobs.values().stream().filter(j -> !j.isNew() && j.isChanged()).toList(), now);
        repository.startLeases(batch.started);
        repository.endLeases(batch.ended);
        repository.appendHistory(batch.history, now);
        repository.insertEscrowSteps(batch.escrow, now);
        repository.resendEscrowSteps(batch.resend);
        return outcomes;
    }

    /**
     * For the jobs whose escrow a command of the batch resolves: the ledger's hold of the price and each saga command
     * of the job with what the ledger recorded for it now. Read after the jobs are locked, so no tracker changes
     * their saga meanwhile; the ledger writes a hold and its command's outcome in one transaction.
     */
    private Map<UUID, Escrow.Ledger> sagas(List<Envelope<JobCommand>> commands, Map<UUID, Job> jobs) {
        List<UUID> resolving = commands.stream().filter(e -> e.payload() instanceof ResolveEscrow)
                .map(e -> e.payload().jobId()).filter(jobs::containsKey).distinct().toList();
        if (resolving.isEmpty()) {
            return Map.of();
        }
        Map<UUID, List<Map.Entry<UUID, EscrowStep.Kind>>> sent = repository.sagaCommands(resolving);
        Map<UUID, CommandOutcomes.Recorded> recorded = outcomes.find(
                sent.values().stream().flatMap(List::stream).map(Map.Entry::getKey).toList());
        Map<UUID, Escrow.Hold> holds = repository.holds(resolving.stream()
                .map(job -> EscrowStep.commandId(job, EscrowStep.Kind.RESERVE)).toList());
        Map<UUID, Escrow.Ledger> sagas = new HashMap<>();
        for (UUID jobId : resolving) {
            List<Escrow.Recorded> steps = sent.getOrDefault(jobId, List.of()).stream().map(step -> {
                CommandOutcomes.Recorded outcome = recorded.get(step.getKey());
                Escrow.Known known = outcome == null || !outcome.isFinal() ? Escrow.Known.UNKNOWN
                        : outcome.isApplied() ? Escrow.Known.APPLIED : Escrow.Known.REFUSED;
                return new Escrow.Recorded(step.getKey(), step.getValue(), known);
            }).toList();
            Escrow.Hold hold = holds.getOrDefault(EscrowStep.commandId(jobId, EscrowStep.Kind.RESERVE), Escrow.Hold.NONE);
            sagas.put(jobId, new Escrow.Ledger(hold, steps));
        }
        return sagas;
    }

    /**
     * Work goes only to a registered agent whose account is active: a suspended agent earns nothing, and an
     * unknown one could never be paid. {@code status} is the agent's, null when it has no ledger account.
     */
    private static @Nullable Refused leaseRefusal(UUID executor, @Nullable String status) {
        if (status == null) {
            return new Refused(UNKNOWN_AGENT, "no registered agent with an account " + executor, null);
        }
        return "SUSPENDED".equals(status)
                ? new Refused(AGENT_SUSPENDED, "agent " + executor + " is suspended", null) : null;
    }

    private static Outcome rejected(String reason, @Nullable String detail, String aggregateId) {
        return Outcome.rejected(reason, detail, Topics.AGGREGATE_JOB, aggregateId);
    }

    /** The rows a batch writes, collected in command order. */
    private static final class Batch {
        final List<Job> created = new ArrayList<>();
        final List<LeaseStarted> started = new ArrayList<>();
        final List<LeaseEnded> ended = new ArrayList<>();
        final List<HistoryRow> history = new ArrayList<>();
        final List<EscrowStep> escrow = new ArrayList<>();
        final List<UUID> resend = new ArrayList<>();

        Outcome outcome(Transition transition, String aggregateId, UUID commandId) {
            if (transition instanceof Refused r) {
                if (r.recorded() != null) {
                    history.add(new HistoryRow(r.recorded(), commandId));
                }
                return rejected(r.reason(), r.detail(), aggregateId);
            }
            Changed c = (Changed) transition;
            if (c.history() != null) {
                history.add(new HistoryRow(c.history(), commandId));
            }
            if (c.leaseStarted() != null) {
                started.add(c.leaseStarted());
            }
            if (c.leaseEnded() != null) {
                ended.add(c.leaseEnded());
            }
            return c.event() == null ? Outcome.applied() : Outcome.applied(c.event());
        }
    }
}
