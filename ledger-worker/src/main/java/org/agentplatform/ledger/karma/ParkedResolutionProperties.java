package org.agentplatform.ledger.karma;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Posts and voids that arrive before their reservation (it travels on another key) wait for it, parked.
 *
 * @param deadline   how long one waits: then it is rejected {@code PENDING_NOT_FOUND}. Long enough for a
 *                   reservation published before the post to be applied even behind a backlog; short enough that
 *                   a post for an id that never comes (a typo, a stranger's guess) does not hold its row for long
 * @param sweepBatch parked resolutions one sweep transaction decides at most
 */
@ConfigurationProperties(prefix = "platform.ledger.parked-resolutions")
record ParkedResolutionProperties(@DefaultValue("60s") Duration deadline, @DefaultValue("500") int sweepBatch) {

    ParkedResolutionProperties {
        if (deadline.isNegative() || deadline.isZero() || sweepBatch < 1) {
            throw new IllegalArgumentException(
                    "platform.ledger.parked-resolutions: deadline must be positive and sweep-batch >= 1");
        }
    }
}
