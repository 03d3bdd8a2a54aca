package org.agentplatform.ledger.reputation;

import java.util.concurrent.atomic.AtomicLong;

import org.agentplatform.runtime.PeriodicTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Rolls reputation up (V14's {@code reputation_roll_up}): what the workers' triggers queued is derived and added to
 * the agents' sums, a batch per transaction, until the queue is empty. Every instance runs it; the function's
 * advisory lock lets one at a time in and the others' passes return at once, so the sums are never locked by two
 * transactions and the workers' own transactions never lock them at all. A pass that fails rolls back with its
 * batch, which stays queued for the next; while passes fail (the function missing after U14, the database away) the
 * gauges are NaN and the failure is logged once a minute.
 */
@Component
class ReputationRollUp extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(ReputationRollUp.class);
    private static final long WARN_EVERY_NANOS = 60_000_000_000L;

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final int batch;
    private final Counter taken;
    private final Counter inputs;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();
    private volatile boolean failing;
    private long lastWarned = System.nanoTime() - WARN_EVERY_NANOS - 1;

    ReputationRollUp(JdbcClient jdbc, PlatformTransactionManager transactions, ReputationRollUpProperties properties,
                     MeterRegistry meters) {
        super("ledger-reputation-roll-up", properties.interval());
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.batch = properties.batch();
        this.taken = Counter.builder("ledger.reputation.rolled.up").baseUnit("entries")
                .description("Queue entries (a claim, job or payout each) whose inputs were derived and summed").register(meters);
        this.inputs = Counter.builder("ledger.reputation.inputs").baseUnit("inputs")
                .description("Reputation inputs recorded by the roll-up").register(meters);
        Gauge.builder("ledger.reputation.queued", this, r -> r.failing ? Double.NaN : r.queued.get()).baseUnit("entries")
                .description("Entries waiting in reputation_due after this instance's last pass (NaN while passes fail)")
                .register(meters);
        Gauge.builder("ledger.reputation.queued.age", this, r -> r.failing ? Double.NaN : r.oldestMillis.get() / 1000.0)
                .baseUnit("seconds")
                .description("Age of the oldest entry in reputation_due after this instance's last pass (NaN while passes fail)")
                .register(meters);
    }

    @Override
    protected void runPass() {
        try {
            pass();
            failing = false;
        } catch (RuntimeException e) {
            // a gauge that kept its last value would show a stalled queue as a healthy one
            failing = true;
            // every 250 ms: say it once a minute, not four times a second (the next pass retries in any case)
            long now = System.nanoTime();
            if (now - lastWarned > WARN_EVERY_NANOS) {
                lastWarned = now;
                log.warn("Reputation roll-up failing, retrying every pass (said once a minute): {}", e.toString());
            } else {
                log.debug("Reputation roll-up failed again: {}", e.toString());
            }
        }
    }

    private void pass() {
        long rows;
        do {
            rows = rollUp();
        } while (rows == batch);
        // the queue as this pass left it: small unless the roll-up falls behind (or another instance is rolling up)
        long[] queue = jdbc.sql("select count(*), coalesce((extract(epoch from now() - min(queued_at)) * 1000)::bigint, 0)"
                        + " from reputation_due")
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}).single();
        queued.set(queue[0]);
        oldestMillis.set(queue[1]);
    }

    /** One transaction: takes up to a batch of queue entries; returns how many (0 when another instance holds it). */
    long rollUp() {
        long[] result = tx.execute(status -> jdbc.sql("select taken, inputs from reputation_roll_up(:batch)")
                .param("batch", batch)
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}).single());
        if (result == null) {
            return 0;
        }
        taken.increment(result[0]);
        inputs.increment(result[1]);
        return result[0];
    }
}
