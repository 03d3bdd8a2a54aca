package org.agentplatform.jobs.lifecycle;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.agentplatform.runtime.CommandOutcomes;
import org.agentplatform.runtime.CommandSender;
import org.agentplatform.runtime.DurableProducers;
import org.agentplatform.runtime.PeriodicTask;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The escrow saga's sending half, in every instance: publishes the ledger commands that job transitions wrote to
 * {@code job_saga_commands} (rows taken with skip locked, marked sent after the broker acknowledged them; a crash
 * in between re-sends them, and the ledger's inbox applies each id once), and publishes again a sent command that
 * got no outcome within {@code sagaResendAfter} (lost before the ledger read it, e.g. dead-lettered while the
 * database was down), with the same id and envelope, up to {@code sagaMaxResends} times. The
 * {@link EscrowTracker} applies the outcomes, and gives up on a command resent that often.
 */
@Component
class EscrowRelay extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(EscrowRelay.class);
    static final int BATCH = 500;
    /** Below every id in PostgreSQL's order (bytes, unsigned): where paging by id starts. */
    private static final UUID FIRST = new UUID(0L, 0L);

    private final JdbcTemplate jdbc;
    private final CommandOutcomes outcomes;
    private final TransactionTemplate tx;
    private final JobsProperties properties;
    private final KafkaProperties kafka;
    private final Topics topics;
    private final MessageCodec codec;
    private final Clock clock;
    /** Opened on start, closed on stop. */
    private @Nullable CommandSender sender;

    EscrowRelay(JdbcTemplate jdbc, CommandOutcomes outcomes, PlatformTransactionManager transactions,
                JobsProperties properties, KafkaProperties kafka, Topics topics, MessageCodec codec, Clock clock) {
        super("job-escrow-relay", properties.sagaInterval());
        this.jdbc = jdbc;
        this.outcomes = outcomes;
        this.tx = new TransactionTemplate(transactions);
        this.properties = properties;
        this.kafka = kafka;
        this.topics = topics;
        this.codec = codec;
        this.clock = clock;
    }

    @Override
    protected void opened() {
        sender = new CommandSender(DurableProducers.producer(kafka.buildProducerProperties()), topics, codec);
    }

    @Override
    protected void closed() {
        if (sender != null) {
            sender.close();
        }
    }

    @Override
    protected void runPass() {
        while (relay() == BATCH) {
            // more to send
        }
        everyPage(this::resend);
    }

    /** Calls {@code page} from the first id on, each time after the last id the call before returned, until null. */
    static void everyPage(Function<UUID, @Nullable UUID> page) {
        UUID after = FIRST;
        while (after != null) {
            after = page.apply(after);
        }
    }

    /** Publishes unsent saga commands and marks them sent once the broker has them; returns how many. */
    int relay() {
        Integer n = tx.execute(status -> {
            List<Stored> rows = jdbc.query("""
                    select id, topic_key, envelope::text from job_saga_commands where sent_at is null
                    order by created_at limit ? for update skip locked""",
                    (rs, i) -> new Stored(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)), BATCH);
            if (rows.isEmpty()) {
                return 0;
            }
            publish(rows);
            jdbc.update("update job_saga_commands set sent_at = ? where id = any(?)", Timestamp.from(clock.instant()),
                    (Object) rows.stream().map(Stored::commandId).toArray(UUID[]::new));
            return rows.size();
        });
        return n == null ? 0 : n;
    }

    /** Where the page after {@code page} starts: its last id, or null when it is short (the last page). */
    static @Nullable UUID pageEnd(List<UUID> page) {
        return page.size() < BATCH ? null : page.get(page.size() - 1);
    }

    /**
     * One page, by id after {@code after}, of sent commands overdue for an outcome that may still be resent: those
     * the ledger recorded nothing for (not even DEFERRED: a post parked until its reservation arrives is decided
     * by the ledger within its deadline, and a resend would be a duplicate). Returns the page's last id, or null
     * after the last page. Paged, so that overdue rows waiting for the tracker never hide the ones behind them;
     * read without locks, and only those to resend locked (skipping those another instance holds), so rows the
     * tracker is about to resolve stay free for it.
     */
    @Nullable UUID resend(UUID after) {
        List<UUID> read = tx.execute(status -> {
            Instant now = clock.instant();
            Timestamp due = Timestamp.from(now.minus(properties.sagaResendAfter()));
            List<UUID> page = jdbc.queryForList("""
                    select id from job_saga_commands
                    where resolved_at is null and sent_at is not null and coalesce(last_sent_at, sent_at) <= ?
                      and attempts <= ? and id > ?
                    order by id limit ?""", UUID.class, due, properties.sagaMaxResends(), after, BATCH);
            if (page.isEmpty()) {
                return page;
            }
            // dead-lettered counts as unanswered: a resend is handled again, and it is the only way one ends
            UUID[] unanswered = outcomes.unanswered(page).toArray(UUID[]::new);
            // the same conditions again under the lock: another instance may have resent one since the read
            List<Stored> again = unanswered.length == 0 ? List.of() : jdbc.query("""
                    select id, topic_key, envelope::text from job_saga_commands
                    where id = any(?) and resolved_at is null and coalesce(last_sent_at, sent_at) <= ? and attempts <= ?
                    order by id for update skip locked""",
                    (rs, i) -> new Stored(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3)),
                    unanswered, due, properties.sagaMaxResends());
            if (!again.isEmpty()) {
                publish(again);
                // attempts counts publications: the first send, then one per resend
                jdbc.update("update job_saga_commands set attempts = attempts + 1, last_sent_at = ? where id = any(?)",
                        Timestamp.from(now), (Object) again.stream().map(Stored::commandId).toArray(UUID[]::new));
                log.warn("Resent {} escrow commands that got no outcome within {}", again.size(),
                        properties.sagaResendAfter());
            }
            return page;
        });
        return pageEnd(read);
    }

    /**
     * Returns once the broker acknowledged every one, each within 30 s of the one before (a large batch on a slow
     * broker still gets through); throws, rolling the caller's transaction back, at the first that fails.
     */
    private void publish(List<Stored> commands) {
        CommandSender sender = Objects.requireNonNull(this.sender, "the relay publishes only while it runs");
        List<CompletableFuture<Void>> acks = commands.stream()
                .map(c -> sender.sendEncoded(topics.karmaCommands(), c.topicKey(),
                        c.envelope().getBytes(StandardCharsets.UTF_8)))
                .toList();
        for (CompletableFuture<Void> ack : acks) {
            try {
                ack.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while publishing escrow commands", e);
            } catch (Exception e) {
                throw new IllegalStateException("escrow command not acknowledged by the broker", e);
            }
        }
    }

    private record Stored(UUID commandId, String topicKey, String envelope) {
    }
}
