package org.agentplatform.ledger.reputation;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The schedule of the {@link ReputationRollUp}.
 *
 * @param interval how long between passes: how far scores may trail the facts when nothing is queued
 * @param batch    queue entries (a claim, job or payout each) one roll-up transaction takes at most
 */
@ConfigurationProperties(prefix = "platform.ledger.reputation")
record ReputationRollUpProperties(@DefaultValue("250ms") Duration interval, @DefaultValue("1000") int batch) {

    ReputationRollUpProperties {
        if (interval.isNegative() || interval.isZero() || batch < 1) {
            throw new IllegalArgumentException("platform.ledger.reputation: interval must be positive and batch >= 1, not "
                    + interval + " and " + batch);
        }
    }
}
