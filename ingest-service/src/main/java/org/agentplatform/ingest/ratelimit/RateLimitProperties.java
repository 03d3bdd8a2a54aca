package org.agentplatform.ingest.ratelimit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A token bucket per caller (agent or admin).
 *
 * @param capacity        the burst a caller may send at once
 * @param refillPerSecond the sustained rate
 */
@ConfigurationProperties(prefix = "ingest.rate-limit")
record RateLimitProperties(@DefaultValue("true") boolean enabled, @DefaultValue("200") int capacity,
                           @DefaultValue("100") double refillPerSecond) {

    RateLimitProperties {
        if (capacity < 1 || refillPerSecond <= 0) {
            throw new IllegalArgumentException("ingest.rate-limit needs capacity >= 1 and refill-per-second > 0");
        }
    }
}
