package org.agentplatform.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;

/** Counters an operator watches: what was applied, rejected, deferred, seen twice or dead-lettered, and batch sizes. */
class CommandMetrics {

    private final Counter applied;
    private final Counter rejected;
    private final Counter deferred;
    private final Counter duplicates;
    private final Counter deadLettered;
    private final DistributionSummary batchSize;
    private final Counter transactions;
    private final Counter realigned;

    CommandMetrics(MeterRegistry registry, String groupId) {
        this.applied = outcome(registry, groupId, "applied");
        this.rejected = outcome(registry, groupId, "rejected");
        // waiting for something that may still arrive (a post for a reservation not applied yet); decided later
        this.deferred = outcome(registry, groupId, "deferred");
        this.duplicates = outcome(registry, groupId, "duplicate");
        this.deadLettered = outcome(registry, groupId, "dead_lettered");
        this.batchSize = DistributionSummary.builder("platform.commands.batch.size")
                .description("Records applied in one database transaction")
                .tag("group", groupId)
                .register(registry);
        this.transactions = Counter.builder("platform.commands.transactions")
                .description("Database transactions the consumer ran: one per batch, more while it isolates a failing command")
                .tag("group", groupId)
                .register(registry);
        this.realigned = Counter.builder("platform.commands.realigned")
                .description("Batches not applied because they did not start at the stored position (the consumer was put back)")
                .tag("group", groupId)
                .register(registry);
    }

    private static Counter outcome(MeterRegistry registry, String groupId, String outcome) {
        return Counter.builder("platform.commands")
                .description("Command records handled, by outcome")
                .tag("group", groupId)
                .tag("outcome", outcome)
                .register(registry);
    }

    void batch(int records, int appliedCount, int rejectedCount, int deferredCount, int duplicateCount) {
        batchSize.record(records);
        applied.increment(appliedCount);
        rejected.increment(rejectedCount);
        deferred.increment(deferredCount);
        duplicates.increment(duplicateCount);
    }

    void transaction() {
        transactions.increment();
    }

    void realigned() {
        realigned.increment();
    }

    void deadLettered(int count) {
        deadLettered.increment(count);
    }
}
