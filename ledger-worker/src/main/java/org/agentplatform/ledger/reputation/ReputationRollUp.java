package org.agentplatform.ledger.reputation;

import java.util.concurrent.atomic.AtomicLong;

import org.agentplatform.runtime.PeriodicTask;
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
 * batch, which stays queued for the next.
 */
@Component
class ReputationRollUp extends PeriodicTask {

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final int batch;
    private final Counter sources;
    private final Counter inputs;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();

    ReputationRollUp(JdbcClient jdbc, PlatformTransactionManager transactions, ReputationRollUpProperties properties,
                     MeterRegistry meters) {
        super("ledger-reputation-roll-up", properties.interval());
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
        this.batch = properties.batch();
        this.sources = Counter.builder("ledger.reputation.rolled.up").baseUnit("sources")
                .description("Claims, jobs and payouts whose reputation inputs were derived and summed").register(meters);
        this.inputs = Counter.builder("ledger.reputation.inputs").baseUnit("inputs")
                .description("Reputation inputs recorded by the roll-up").register(meters);
        Gauge.builder("ledger.reputation.queued", queued, AtomicLong::get).baseUnit("sources")
                .description("Sources waiting in reputation_due after this instance's last pass").register(meters);
        Gauge.builder("ledger.reputation.queued.age", oldestMillis, a -> a.get() / 1000.0).baseUnit("seconds")
                .description("Age of the oldest source in reputation_due after this instance's last pass").register(meters);
    }

    @Override
    protected void runPass() {
        long taken;
        do {
            taken = rollUp();
        } while (taken == batch);
        // the queue as this pass left it: small unless the roll-up falls behind (or another instance is rolling up)
        long[] queue = jdbc.sql("select count(*), coalesce((extract(epoch from now() - min(queued_at)) * 1000)::bigint, 0)"
                        + " from reputation_due")
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}).single();
        queued.set(queue[0]);
        oldestMillis.set(queue[1]);
    }

    /** One transaction: takes up to a batch of queued sources; returns how many (0 when another instance holds it). */
    long rollUp() {
        long[] result = tx.execute(status -> jdbc.sql("select sources, inputs from reputation_roll_up(:batch)")
                .param("batch", batch)
                .query((rs, n) -> new long[] {rs.getLong(1), rs.getLong(2)}).single());
        if (result == null) {
            return 0;
        }
        sources.increment(result[0]);
        inputs.increment(result[1]);
        return result[0];
    }
}
