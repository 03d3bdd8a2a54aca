package org.agentplatform.ingest.deadletters;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param maxReplays      a dead letter replayed this many times already is quarantined instead of replayed again
 * @param replayRate      records per second one replay sends at most (replayed, quarantined or passed over)
 * @param runInterval     how often each instance looks for replays to run, and the length of one slice of a replay
 * @param staleAfter      a running replay whose runner has not reported for this long is taken over by another (at
 *                        least ten run intervals)
 * @param maxScan         dead letters one listing reads at most before it stops (and says so)
 */
@ConfigurationProperties(prefix = "ingest.dead-letters")
record DeadLetterProperties(@DefaultValue("3") int maxReplays, @DefaultValue("100") int replayRate,
                            @DefaultValue("1s") Duration runInterval, @DefaultValue("30s") Duration staleAfter,
                            @DefaultValue("10000") int maxScan) {

    DeadLetterProperties {
        if (maxReplays < 1 || maxReplays > 100) {
            throw new IllegalArgumentException("ingest.dead-letters.max-replays must be 1..100, not " + maxReplays);
        }
        if (replayRate < 1) {
            throw new IllegalArgumentException("ingest.dead-letters.replay-rate must be positive, not " + replayRate);
        }
        if (staleAfter.compareTo(runInterval.multipliedBy(10)) < 0) {
            // a slice reads for at most two intervals; a slice held up longer by Kafka's own timeouts may see its
            // replay taken over, and is then fenced by the transactional id
            throw new IllegalArgumentException("ingest.dead-letters.stale-after must be at least ten run intervals");
        }
    }

    /** Records one slice may send: the rate over one interval, at least one. */
    int sliceBudget() {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, replayRate * runInterval.toMillis() / 1000));
    }
}
