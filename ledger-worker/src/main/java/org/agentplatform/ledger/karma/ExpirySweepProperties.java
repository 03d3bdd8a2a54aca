package org.agentplatform.ledger.karma;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * The schedule of the {@link PendingExpirySweeper}.
 *
 * @param expirySweepIntervalMs how long between sweeps; a bare number is milliseconds (the key keeps its first
 *                              release's name), a unit may be given ({@code 2s})
 * @param expirySweepBatch      expired reservations one sweep transaction voids at most
 */
@ConfigurationProperties(prefix = "platform.ledger")
record ExpirySweepProperties(@DefaultValue("1000") @DurationUnit(ChronoUnit.MILLIS) Duration expirySweepIntervalMs,
                             @DefaultValue("500") int expirySweepBatch) {

    ExpirySweepProperties {
        if (expirySweepIntervalMs.isNegative() || expirySweepIntervalMs.isZero() || expirySweepBatch < 1) {
            throw new IllegalArgumentException(
                    "platform.ledger: expiry-sweep-interval-ms must be positive and expiry-sweep-batch >= 1");
        }
    }
}
