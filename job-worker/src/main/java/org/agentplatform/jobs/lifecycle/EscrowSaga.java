package org.agentplatform.jobs.lifecycle;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.agentplatform.jobs.lifecycle.JobRepository.HistoryRow;
import org.agentplatform.jobs.lifecycle.Transition.Changed;
import org.agentplatform.runtime.Outbox;
import org.agentplatform.schema.jobs.EscrowStatus;
import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Drives the escrow saga of priced jobs, in every instance:
 * <ol>
 * <li>relay: publishes the ledger commands that job transitions wrote to {@code job_saga_commands} (rows taken
 * with skip locked, marked sent after the broker acknowledged them; a crash in between re-sends them, and the
 * ledger's inbox applies each id once);</li>
 * <li>tracker: reads the ledger's recorded outcome of each sent command (its inbox, in the shared database) and
 * applies it to the job under the job's row lock, which may write the next step;</li>
 * <li>resend: a sent command with no outcome after {@code sagaResendAfter} is published again (lost before the
 * ledger read it, e.g. dead-lettered while the database was down: the inbox would never see it otherwise); after
 * {@code sagaMaxResends} resends the job's escrow is marked STUCK instead of waiting for ever in silence.</li>
 * </ol>
 * Every step is written in the transaction of the state change that needs it, so no crash loses or repeats a
 * movement of karma; the ledger's own rules decide whether the submitter can pay.
 */
@Component
class EscrowSaga extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(EscrowSaga.class);
    private static final int BATCH = 500;

    private final JdbcTemplate jdbc;
    private final JobRepository repository;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final JobsProperties properties;
    private final KafkaProperties kafka;
    private final Topics topics;
    private final Clock clock;
    private final Counter stuckRefused;
    private final Counter stuckNoOutcome;
    private KafkaProducer<String, byte[]> producer;

    EscrowSaga(JdbcTemplate jdbc, JobRepository repository, Outbox outbox, PlatformTransactionManager transactions,
               JobsProperties properties, KafkaProperties kafka, Topics topics, MeterRegistry meters, Clock clock) {
        super("job-escrow-saga", properties.sagaInterval());
        this.jdbc = jdbc;
        this.repository = repository;
        this.outbox = outbox;
        this.tx = new TransactionTemplate(transactions);
        this.properties = properties;
        this.kafka = kafka;
        this.topics = topics;
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
    void opened() {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    void closed() {
        producer.close(java.time.Duration.ofSeconds(5));
    }

    @Override
    void runPass() {
        try {
            while (relay() == BATCH) {
                // more to send
            }
            while (track() == BATCH) {
                // more to apply
            }
            while (resend() == BATCH) {
                // more overdue
            }
        } catch (RuntimeException e) {
            log.warn("Escrow saga pass failed; retrying on the next one: {}", e.toString());
        }
    }

    /** Publishes unsent saga commands and marks them sent once the broker has them; returns how many. */
    int relay() {
        Integer n = tx.execute(status -> {
            List<Object[]> rows = jdbc.query("""
                    select id, topic_key, envelope::text from job_saga_commands where sent_at is null
                    order by created_at limit ? for update skip locked""",
                    (rs, i) -> new Object[] {rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)}, BATCH);
            if (rows.isEmpty()) {
                return 0;
            }
            List<Future<?>> acks = new ArrayList<>(rows.size());
            for (Object[] row : rows) {
                acks.add(producer.send(new ProducerRecord<>(topics.karmaCommands(), (String) row[1],
                        ((String) row[2]).getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<?> ack : acks) {
                try {
                    ack.get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("escrow command not acknowledged by the broker", e);
                }
            }
            jdbc.update("update job_saga_commands set sent_at = ? where id = any(?)", Timestamp.from(clock.instant()),
                    (Object) rows.stream().map(r -> (UUID) r[0]).toArray(UUID[]::new));
            return rows.size();
        });
        return n == null ? 0 : n;
    }

    /** Applies the ledger's final outcomes of sent saga commands to their jobs (not DEFERRED ones); returns how many. */
    int track() {
        int[] stuck = {0};
        Integer n = tx.execute(status -> {
            stuck[0] = 0; // counted once committed
            Instant now = clock.instant();
            List<Resolved> resolved = jdbc.query("""
                    select s.id, s.job_id, s.step, p.outcome, p.reason, p.detail
                    from job_saga_commands s join processed_commands p on p.command_id = s.id
                    where s.resolved_at is null and s.sent_at is not null and p.outcome <> 'DEFERRED'
                    order by s.job_id limit ? for update of s skip locked""",
                    (rs, i) -> new Resolved(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            "APPLIED".equals(rs.getString(4)), rs.getString(5), rs.getString(6)), BATCH);
            if (resolved.isEmpty()) {
                return 0;
            }
            Map<UUID, Job> jobs = new HashMap<>();
            TreeSet<UUID> ids = new TreeSet<>();
            resolved.forEach(r -> ids.add(r.jobId()));
            repository.lock(ids).forEach(j -> jobs.put(j.id(), j));

            List<HistoryRow> history = new ArrayList<>();
            List<Envelope<JobEvent>> events = new ArrayList<>();
            List<EscrowStep> next = new ArrayList<>();
            for (Resolved r : resolved) {
                Job job = jobs.get(r.jobId());
                Transition t = null;
                EscrowStep step = null;
                switch (r.step()) {
                    case EscrowStep.RESERVE -> {
                        t = r.applied() ? job.escrowReserved(now) : job.escrowRejected(r.reason(), r.detail());
                        step = job.settlement(); // cancelled while the reservation was on its way
                    }
                    case EscrowStep.POST -> {
                        if (r.applied()) {
                            step = job.escrowPosted();
                        } else {
                            t = job.escrowSettled(EscrowStatus.STUCK, r.reason());
                        }
                    }
                    default -> t = job.escrowSettled(r.applied()
                            ? (EscrowStep.PAY.equals(r.step()) ? EscrowStatus.PAID : EscrowStatus.REFUNDED)
                            : EscrowStatus.STUCK, r.reason());
                }
                if (t instanceof Changed c) {
                    history.add(new HistoryRow(c.history(), r.commandId()));
                    UUID eventId = DerivedIds.of("job-escrow-event", r.commandId());
                    events.add(Envelope.of(eventId, c.event(), "job-worker", now));
                }
                if (step != null) {
                    next.add(step);
                }
                if (t instanceof Changed && job.escrowStatus() == EscrowStatus.STUCK) {
                    stuck[0]++;
                    log.error("Escrow of job {} is stuck: the ledger refused {} ({})", job.id(), r.step(), r.reason());
                }
            }
            jdbc.update("""
                    update job_saga_commands s set resolved_at = ?, outcome = v.outcome, reason = v.reason
                    from unnest(?::uuid[], ?::text[], ?::text[]) as v(id, outcome, reason) where s.id = v.id""",
                    Timestamp.from(now), resolved.stream().map(Resolved::commandId).toArray(UUID[]::new),
                    resolved.stream().map(r -> r.applied() ? "APPLIED" : "REJECTED").toArray(String[]::new),
                    resolved.stream().map(Resolved::reason).toArray(String[]::new));
            repository.update(jobs.values().stream().filter(Job::isChanged).toList(), now);
            repository.appendHistory(history, now);
            repository.insertEscrowSteps(next, now);
            outbox.append(events, now);
            return resolved.size();
        });
        stuckRefused.increment(stuck[0]);
        return n == null ? 0 : n;
    }

    /**
     * Publishes again the sent commands that are overdue for an outcome, with the same id and envelope, or marks
     * their jobs' escrow STUCK once they were resent {@code sagaMaxResends} times; returns how many it handled.
     * Rows are taken with skip locked like the relay's, so each is handled by one instance per pass, and a command
     * whose outcome is recorded (the tracker's to apply) is never resent, nor one recorded DEFERRED (a post or void
     * parked until its reservation arrives: the ledger decides it within its deadline, a resend would be a duplicate).
     */
    int resend() {
        int[] stuck = {0};
        Integer n = tx.execute(status -> {
            stuck[0] = 0;
            Instant now = clock.instant();
            List<Overdue> rows = jdbc.query("""
                    select s.id, s.job_id, s.step, s.topic_key, s.envelope::text, s.attempts
                    from job_saga_commands s
                    where s.resolved_at is null and s.sent_at is not null and coalesce(s.last_sent_at, s.sent_at) <= ?
                      and not exists (select 1 from processed_commands p where p.command_id = s.id)
                    order by s.job_id limit ? for update of s skip locked""",
                    (rs, i) -> new Overdue(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getInt(6)),
                    Timestamp.from(now.minus(properties.sagaResendAfter())), BATCH);
            if (rows.isEmpty()) {
                return 0;
            }
            // attempts counts publications: the first send, then one per resend
            List<Overdue> again = rows.stream().filter(r -> r.attempts() <= properties.sagaMaxResends()).toList();
            List<Overdue> givenUp = rows.stream().filter(r -> r.attempts() > properties.sagaMaxResends()).toList();
            List<Future<?>> acks = new ArrayList<>(again.size());
            for (Overdue r : again) {
                acks.add(producer.send(new ProducerRecord<>(topics.karmaCommands(), r.topicKey(),
                        r.envelope().getBytes(StandardCharsets.UTF_8))));
            }
            for (Future<?> ack : acks) {
                try {
                    ack.get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("escrow command not acknowledged by the broker", e);
                }
            }
            if (!again.isEmpty()) {
                jdbc.update("update job_saga_commands set attempts = attempts + 1, last_sent_at = ? where id = any(?)",
                        Timestamp.from(now), (Object) again.stream().map(Overdue::commandId).toArray(UUID[]::new));
                log.warn("Resent {} escrow commands that got no outcome within {}", again.size(),
                        properties.sagaResendAfter());
            }
            if (!givenUp.isEmpty()) {
                stuck[0] = giveUp(givenUp, now);
            }
            return rows.size();
        });
        stuckNoOutcome.increment(stuck[0]);
        return n == null ? 0 : n;
    }

    /** Marks the jobs of commands that never got an outcome STUCK, and the commands resolved; returns how many jobs. */
    private int giveUp(List<Overdue> rows, Instant now) {
        Map<UUID, Job> jobs = new HashMap<>();
        TreeSet<UUID> ids = new TreeSet<>();
        rows.forEach(r -> ids.add(r.jobId()));
        repository.lock(ids).forEach(j -> jobs.put(j.id(), j));
        List<HistoryRow> history = new ArrayList<>();
        List<Envelope<JobEvent>> events = new ArrayList<>();
        for (Overdue r : rows) {
            Job job = jobs.get(r.jobId());
            if (job.escrowNoOutcome() instanceof Changed c) {
                history.add(new HistoryRow(c.history(), r.commandId()));
                UUID eventId = DerivedIds.of("job-escrow-event", r.commandId());
                events.add(Envelope.of(eventId, c.event(), "job-worker", now));
            }
            log.error("Escrow of job {} is stuck: its {} command {} got no outcome after {} publications ({})",
                    job.id(), r.step(), r.commandId(), r.attempts(), Job.NO_OUTCOME);
        }
        // resolved, so that a late outcome is left to the operator rather than applied to a STUCK escrow
        jdbc.update("update job_saga_commands set resolved_at = ?, outcome = ?, reason = ? where id = any(?)",
                Timestamp.from(now), Job.NO_OUTCOME, Job.NO_OUTCOME,
                (Object) rows.stream().map(Overdue::commandId).toArray(UUID[]::new));
        repository.update(jobs.values().stream().filter(Job::isChanged).toList(), now);
        repository.appendHistory(history, now);
        outbox.append(events, now);
        return history.size();
    }

    private record Overdue(UUID commandId, UUID jobId, String step, String topicKey, String envelope, int attempts) {
    }

    private record Resolved(UUID commandId, UUID jobId, String step, boolean applied, String reason, String detail) {
    }
}
